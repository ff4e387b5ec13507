"""The local kmeans image's train and serve targets, called as the backend calls them:
every training input and request/response format, bad input, the MXNet artifact, and the
quality against scikit-learn on the digits."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest
import scipy.sparse as sp
from algorithm_helpers import modules_loaded_by
from algorithm_helpers import training_environment as environment
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.metrics import adjusted_rand_score
from smspark_kmeans import container
from smspark_local.toolkit.container import InvocationError

from smspark_core.codecs import amazon_record, mxnet_ndarray, recordio


def dense_recordio(x):
    return amazon_record.dense_records(x).tobytes()


def sparse_recordio(x):
    matrix = sp.csr_matrix(x)
    return b"".join(
        recordio.frame(
            amazon_record.record(amazon_record.sparse_tensor(x.shape[1], row.indices, row.data))
        )
        for row in matrix
    )


def csv_text(x):
    return "".join(",".join(repr(float(v)) for v in row) + "\n" for row in x).encode()


def centroids(env):
    return mxnet_ndarray.loads((env.model_dir / "model_algo-1").read_bytes())[0]


BLOBS = np.array([[0.0, 0.0, 0.0], [10.0, 10.0, 0.0], [0.0, 10.0, 10.0]])


def blobs(n=300, seed=1):
    rng = np.random.default_rng(seed)
    return BLOBS[np.arange(n) % 3] + rng.normal(0, 0.3, size=(n, 3))


@pytest.mark.parametrize(
    "content_type, encode",
    [
        (None, dense_recordio),
        ("application/x-recordio-protobuf", sparse_recordio),
        ("text/csv;label_size=0", csv_text),
        ("application/x-recordio-protobuf", lambda x: gzip.compress(dense_recordio(x))),
    ],
    ids=["recordio-dense", "recordio-sparse", "csv", "recordio-gzip"],
)
def test_trains_on_each_input_format(tmp_path, content_type, encode):
    x = blobs()
    files = {"part-0.pbr": encode(x[:150]), "part-1.pbr": encode(x[150:])}
    env = environment(
        tmp_path,
        {"k": "3", "feature_dim": "3", "mini_batch_size": "64"},
        {"train": (content_type, files)},
    )
    container.train(env)
    found = centroids(env)
    assert found.shape == (3, 3) and found.dtype == np.float32
    nearest = np.sort([np.linalg.norm(found - b, axis=1).min() for b in BLOBS])
    assert nearest.max() < 0.2  # every blob centre was found


def test_test_channel_is_scored_with_eval_metrics(tmp_path):
    x = blobs()
    env = environment(
        tmp_path,
        {"k": "3", "feature_dim": "3", "eval_metrics": '["msd", "ssd"]'},
        {
            "train": (None, {"t.pbr": dense_recordio(x)}),
            "test": (None, {"t.pbr": dense_recordio(x[:30])}),
        },
    )
    container.train(env)
    metrics = json.loads((env.output_dir / "metrics.json").read_text())
    expected = ((x[:30, None, :] - centroids(env)[None]) ** 2).sum(-1).min(1)
    assert metrics["test:ssd"] == pytest.approx(expected.sum(), rel=1e-5)
    assert metrics["test:msd"] == pytest.approx(expected.mean(), rel=1e-5)


def test_bad_hyperparameters_and_data_fail_with_their_name(tmp_path):
    x = blobs()
    with pytest.raises(ValueError, match="hyperparameter k is required"):
        container.parse_settings({"feature_dim": "3"})
    with pytest.raises(ValueError, match="init_method must be one of"):
        container.parse_settings({"k": "2", "feature_dim": "3", "init_method": "x"})
    env = environment(
        tmp_path, {"k": "3", "feature_dim": "5"}, {"train": (None, {"a.pbr": dense_recordio(x)})}
    )
    with pytest.raises(ValueError, match="the data has 3 features, feature_dim is 5"):
        container.train(env)


def test_quality_on_digits_against_scikit_learn(tmp_path):
    x, labels = load_digits(return_X_y=True)
    x = x.astype(np.float64)
    env = environment(
        tmp_path, {"k": "10", "feature_dim": "64"}, {"train": (None, {"d.pbr": dense_recordio(x)})}
    )
    container.train(env)
    found = centroids(env).astype(np.float64)
    assigned = ((x[:, None, :] - found[None]) ** 2).sum(-1)
    inertia = assigned.min(1).sum()
    reference = KMeans(n_clusters=10, n_init=10, random_state=0).fit(x)
    ari = adjusted_rand_score(labels, assigned.argmin(1))
    print(
        f"inertia {inertia:.0f} vs scikit-learn {reference.inertia_:.0f} "
        f"({inertia / reference.inertia_:.4f}x); ARI {ari:.3f} "
        f"(scikit-learn {adjusted_rand_score(labels, reference.labels_):.3f})"
    )
    assert inertia <= 1.02 * reference.inertia_
    assert ari > 0.5


# --------------------------------------------------------------------------------- serving

CENTERS = np.array([[0.0, 0.0], [3.0, 4.0]], dtype=np.float32)


@pytest.fixture
def handler(tmp_path):
    (tmp_path / "model_algo-1").write_bytes(mxnet_ndarray.dumps([CENTERS]))
    return container.serve(tmp_path)


ROWS = np.array([[0.0, 1.0], [3.0, 4.0], [6.0, 8.0]])
EXPECTED = {"closest_cluster": [0.0, 1.0, 1.0], "distance_to_cluster": [1.0, 0.0, 5.0]}
REQUESTS = {
    "application/x-recordio-protobuf": dense_recordio(ROWS),
    "text/csv": b"0,1\n3,4\n6,8\n",
    "application/json": json.dumps(
        {"instances": [{"features": r} for r in ROWS.tolist()]}
    ).encode(),
    "application/jsonlines": b'{"features":[0,1]}\n{"data":{"features":{"values":[3,4]}}}\n'
    b'{"data":{"features":{"keys":[0,1],"shape":[2],"values":[6,8]}}}\n',
}


@pytest.mark.parametrize("content_type", REQUESTS)
def test_serves_each_request_format(handler, content_type):
    response = handler(REQUESTS[content_type], content_type, "application/jsonlines")
    lines = [json.loads(line) for line in response.body.decode().splitlines()]
    assert {k: [r[k] for r in lines] for k in EXPECTED} == EXPECTED


def test_sparse_recordio_request(handler):
    response = handler(sparse_recordio(ROWS), "application/x-recordio-protobuf", "text/csv")
    assert response.body == b"0.0,1.0\n1.0,0.0\n1.0,5.0\n"


def test_answers_each_response_format(handler):
    body = REQUESTS["text/csv"]
    protobuf = handler(body, "text/csv", "application/x-recordio-protobuf")
    assert protobuf.content_type == "application/x-recordio-protobuf"
    records = amazon_record.decode_records(protobuf.body)
    assert [sorted(r.label) for r in records] == [["closest_cluster", "distance_to_cluster"]] * 3
    first = protobuf.body[: len(protobuf.body) // 3]
    assert first.index(b"closest_cluster") < first.index(b"distance_to_cluster")  # as the real
    assert [r.label["distance_to_cluster"].float32_tensor.values[0] for r in records] == [1, 0, 5]
    as_json = json.loads(handler(body, "text/csv", "application/json").body)
    assert [p["closest_cluster"] for p in as_json["predictions"]] == [0.0, 1.0, 1.0]
    assert handler(body, "text/csv", "*/*").content_type == "application/json"
    assert handler(body, "text/csv", "text/csv").body == b"0.0,1.0\n1.0,0.0\n1.0,5.0\n"


@pytest.mark.parametrize(
    "body, content_type, accept, status, message",
    [
        (
            b"1,2,3\n",
            "text/csv",
            "application/json",
            400,
            "row 0 has 3 features, the model expects 2",
        ),
        (b"1,x\n", "text/csv", "application/json", 400, "not numeric"),
        (b"1,nan\n", "text/csv", "application/json", 400, "row 0 holds a NaN or infinite"),
        (
            b'{"instances":[{"features":[1,"a"]}]}',
            "application/json",
            "application/json",
            400,
            "row 0",
        ),
        (b"1,2\n", "image/png", "application/json", 415, "not supported"),
        (b"1,2\n", "text/csv", "text/html", 406, "Accept 'text/html' is not supported"),
        (b"\x00\x01", "application/x-recordio-protobuf", "application/json", 400, "RecordIO"),
    ],
)
def test_bad_requests_get_a_4xx_with_a_message(
    handler, body, content_type, accept, status, message
):
    with pytest.raises(InvocationError) as raised:
        handler(body, content_type, accept)
    assert raised.value.status == status
    assert message in raised.value.message


def test_mxnet_files_round_trip_and_reject_garbage():
    arrays = [np.arange(6, dtype=np.float32).reshape(2, 3)]
    data = mxnet_ndarray.dumps(arrays)
    assert data[:8] == (0x112).to_bytes(8, "little")
    assert data[24:28] == (0xF993FAC9).to_bytes(4, "little")
    np.testing.assert_array_equal(mxnet_ndarray.loads(data)[0], arrays[0])
    named = mxnet_ndarray.loads(mxnet_ndarray.dumps({"v": arrays[0], "s": np.ones(3)}))
    assert list(named) == ["v", "s"] and named["s"].dtype == np.float64
    with pytest.raises(ValueError, match="not an MXNet NDArray file"):
        mxnet_ndarray.loads(b"\x00" * 32)
    with pytest.raises(ValueError, match="truncated"):
        mxnet_ndarray.loads(data[:-4])


def test_more_clusters_than_rows_is_an_error_not_padding(tmp_path):
    """Five rows cannot make ten clusters; the job fails saying so instead of repeating
    centroids."""
    env = environment(
        tmp_path,
        {"k": "10", "feature_dim": "3"},
        {"train": (None, {"a.pbr": dense_recordio(blobs(5))})},
    )
    refused = r"k=10 is greater than the number of rows in the train channel \(5\)"
    with pytest.raises(ValueError, match=refused):
        container.train(env)
    exactly = environment(
        tmp_path / "exact",
        {"k": "5", "feature_dim": "3"},
        {"train": (None, {"a.pbr": dense_recordio(blobs(5))})},
    )
    container.train(exactly)
    assert centroids(exactly).shape == (5, 3)


def test_the_local_image_loads_no_spark_and_no_aws_sdk():
    """Its training and model-server processes import only the container toolkit."""
    assert modules_loaded_by("import smspark_kmeans.container") == set()
