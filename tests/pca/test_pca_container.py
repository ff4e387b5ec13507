"""The local pca image: input formats, the MXNet dict artifact in the real service's order,
serving formats, and quality against scikit-learn on the digits."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse as sp
from algorithm_helpers import modules_loaded_by, training_environment
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from smspark_local.toolkit.container import InvocationError
from smspark_pca import container

from smspark_core.codecs import amazon_record, mxnet_ndarray, recordio


def dense_recordio(x):
    return amazon_record.dense_records(x).tobytes()


def sparse_recordio(x):
    return b"".join(
        recordio.frame(
            amazon_record.record(amazon_record.sparse_tensor(x.shape[1], r.indices, r.data))
        )
        for r in sp.csr_matrix(x)
    )


def csv_text(x):
    return "".join(",".join(repr(float(v)) for v in row) + "\n" for row in x).encode()


DIGITS = load_digits().data.astype(np.float64)


def train_on_digits(tmp_path, encode=dense_recordio, content_type=None, **hyperparameters):
    values = {"num_components": "8", "feature_dim": "64", "mini_batch_size": "400"}
    values.update({k: str(v) for k, v in hyperparameters.items()})
    files = {"a.pbr": encode(DIGITS[:900]), "b.pbr": encode(DIGITS[900:])}
    env = training_environment(tmp_path, values, {"train": (content_type, files)})
    container.train(env)
    return mxnet_ndarray.loads((env.model_dir / "model_algo-1").read_bytes())


def cosines(ours: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    return (
        np.abs((ours * theirs).sum(0))
        / np.linalg.norm(ours, axis=0)
        / np.linalg.norm(theirs, axis=0)
    )


@pytest.mark.parametrize(
    "mode, floor", [("regular", 0.9999), ("stable", 0.9999), ("randomized", 0.99)]
)
def test_quality_against_scikit_learn(tmp_path, mode, floor):
    arrays = train_on_digits(tmp_path, algorithm_mode=mode)
    assert list(arrays) == ["v", "s", "mean"]
    v, s, mean = arrays["v"].astype(float), arrays["s"].astype(float), arrays["mean"].astype(float)
    assert v.shape == (64, 8) and s.shape == (8,) and mean.shape == (1, 64)
    assert np.all(np.diff(s) >= 0)  # smallest component first, as the real service orders them
    reference = PCA(8).fit(DIGITS)
    ours = ((DIGITS - mean) @ v)[:, ::-1]
    theirs = reference.transform(DIGITS)
    found = cosines(ours, theirs)
    print(
        f"{mode}: min |cos| {found.min():.7f}, singular values rel. error "
        f"{np.max(np.abs(s[::-1] / reference.singular_values_ - 1)):.2e}"
    )
    assert found.min() >= floor
    if mode != "randomized":
        # float32 in the artifact; the float64 fit itself agrees to ~1e-15
        np.testing.assert_allclose(s[::-1], reference.singular_values_, rtol=1e-6)


def test_singular_values_of_the_float64_fit_match_to_1e_6():
    from smspark_pca.algorithm import train_pca

    values = {"num_components": "10", "feature_dim": "64", "mini_batch_size": "250"}
    settings = container.parse_settings(values)
    model = train_pca(lambda: (DIGITS[i : i + 250] for i in range(0, 1797, 250)), settings)
    reference = PCA(10).fit(DIGITS)
    np.testing.assert_allclose(model.s[::-1], reference.singular_values_, rtol=1e-6)
    assert cosines(model.project(DIGITS)[:, ::-1], reference.transform(DIGITS)).min() >= 0.9999


@pytest.mark.parametrize(
    "encode, content_type",
    [(sparse_recordio, "application/x-recordio-protobuf"), (csv_text, "text/csv;label_size=0")],
    ids=["recordio-sparse", "csv"],
)
def test_other_input_formats_give_the_same_model(tmp_path, encode, content_type):
    dense = train_on_digits(tmp_path / "dense")
    other = train_on_digits(tmp_path / "other", encode, content_type)
    assert cosines(dense["v"].astype(float), other["v"].astype(float)).min() > 0.99999


def test_without_subtract_mean_there_is_no_mean(tmp_path):
    arrays = train_on_digits(tmp_path, subtract_mean="False", num_components=3)
    assert list(arrays) == ["v", "s"]
    top = np.linalg.svd(DIGITS, full_matrices=False)[2][0]  # uncentred: the mean direction
    assert abs(np.dot(arrays["v"][:, -1], top)) > 0.9999


@pytest.fixture
def handler(tmp_path):
    v = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]], dtype=np.float32)
    arrays = {"v": v, "s": np.array([1.0, 2.0], np.float32), "mean": np.ones((1, 3), np.float32)}
    (tmp_path / "model_algo-1").write_bytes(mxnet_ndarray.dumps(arrays))
    return container.serve(tmp_path)


def test_serving_formats(handler):
    rows = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    expected = [[0.0, 1.0], [3.0, 4.0]]
    for content_type, body in [
        ("text/csv", b"1,2,3\n4,5,6\n"),
        ("application/x-recordio-protobuf", dense_recordio(rows)),
        ("application/x-recordio-protobuf", sparse_recordio(rows)),
        (
            "application/json",
            json.dumps({"instances": [{"features": r} for r in rows.tolist()]}).encode(),
        ),
        ("application/jsonlines", b'{"features":[1,2,3]}\n{"features":[4,5,6]}\n'),
    ]:
        answer = json.loads(handler(body, content_type, "application/json").body)
        assert [p["projection"] for p in answer["projections"]] == expected
    lines = handler(b"1,2,3\n", "text/csv", "application/jsonlines").body
    assert json.loads(lines) == {"projection": [0.0, 1.0]}
    records = amazon_record.decode_records(
        handler(b"1,2,3\n", "text/csv", "application/x-recordio-protobuf").body
    )
    assert list(records[0].label["projection"].float32_tensor.values) == [0.0, 1.0]
    with pytest.raises(InvocationError) as raised:
        handler(b"1,2,3\n", "text/csv", "text/csv")
    assert raised.value.status == 406
    with pytest.raises(InvocationError, match="row 0 has 2 features, the model expects 3"):
        handler(b"1,2\n", "text/csv", "application/json")


def test_the_local_image_loads_no_spark_and_no_aws_sdk():
    """Its training and model-server processes import only the container toolkit."""
    assert modules_loaded_by("import smspark_pca.container") == set()
