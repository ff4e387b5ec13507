"""The local xgboost image: each training input, validation and early stopping, metrics,
the native artifact, each request and answer format, and predictions equal to
``xgboost.train`` on the same data (breast_cancer, digits, diabetes)."""

from __future__ import annotations

import io
import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import scipy.sparse as sp
import xgboost as xgb
from algorithm_helpers import modules_loaded_by, training_environment
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits
from smspark_local.toolkit.container import InvocationError
from smspark_xgboost import container

from smspark_core.codecs import amazon_record, recordio


def libsvm_text(x, y, base=0):
    return "".join(
        f"{label:g} " + " ".join(f"{j + base}:{v!r}" for j, v in enumerate(row) if v) + "\n"
        for row, label in zip(x.tolist(), y.tolist())
    ).encode()


def csv_text(x, y, weights=None):
    columns = [y[:, None]] + ([weights[:, None]] if weights is not None else []) + [x]
    return "".join(
        ",".join(repr(v) for v in row) + "\n" for row in np.hstack(columns).tolist()
    ).encode()


def parquet_bytes(x, y):
    table = pa.table({"label": y, **{f"f{j}": x[:, j] for j in range(x.shape[1])}})
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def recordio_bytes(x, y):
    return amazon_record.dense_records(x, y).tobytes()


def trained(tmp_path, hyperparameters, channels) -> xgb.Booster:
    env = training_environment(tmp_path, hyperparameters, channels)
    container.train(env)
    assert [p.name for p in env.model_dir.iterdir()] == ["xgboost-model"]
    return container.load_boosters(env.model_dir)[0]  # xgboost.Booster.load_model, native


def split(x, y, seed=0):
    order = np.random.default_rng(seed).permutation(len(y))
    cut = int(0.8 * len(y))
    return x[order[:cut]], y[order[:cut]], x[order[cut:]], y[order[cut:]]


QUALITY = [
    ("breast_cancer", load_breast_cancer, {"objective": "binary:logistic", "num_round": 20}),
    (
        "digits-softmax",
        load_digits,
        {"objective": "multi:softmax", "num_class": 10, "num_round": 15},
    ),
    (
        "digits-softprob",
        load_digits,
        {"objective": "multi:softprob", "num_class": 10, "num_round": 15},
    ),
    ("diabetes", load_diabetes, {"objective": "reg:squarederror", "num_round": 25, "max_depth": 3}),
]


@pytest.mark.parametrize("name, loader, hyperparameters", QUALITY, ids=[q[0] for q in QUALITY])
def test_predictions_equal_xgboost_train(tmp_path, name, loader, hyperparameters):
    x, y = loader(return_X_y=True)
    x_train, y_train, x_test, _ = split(x.astype(np.float64), y.astype(np.float64))
    trained(tmp_path, hyperparameters, {"train": ("text/csv", csv_text(x_train, y_train))})
    reference = xgb.train(
        container.booster_params({k: str(v) for k, v in hyperparameters.items()}),
        xgb.DMatrix(x_train, label=y_train),
        num_boost_round=hyperparameters["num_round"],
    )
    handler = container.serve(booster_dir(tmp_path))
    body = "".join(",".join(repr(v) for v in row) + "\n" for row in x_test.tolist()).encode()
    answer = handler(body, "text/csv", "text/csv").body.decode()
    served = np.array([[float(v) for v in line.split(",")] for line in answer.splitlines()])
    expected = reference.predict(xgb.DMatrix(x_test))
    np.testing.assert_allclose(served.reshape(expected.shape), expected, rtol=0, atol=1e-6)


def booster_dir(tmp_path):
    return tmp_path / "model"


@pytest.mark.parametrize(
    "content_type, encode, sparse",
    [
        (None, libsvm_text, True),
        ("text/x-libsvm", libsvm_text, True),
        ("text/csv", csv_text, False),
        ("application/x-parquet", parquet_bytes, False),
        ("application/x-recordio-protobuf", recordio_bytes, False),
    ],
    ids=["libsvm-default", "x-libsvm", "csv", "parquet", "recordio"],
)
def test_every_training_format_gives_the_same_model(tmp_path, content_type, encode, sparse):
    """LibSVM leaves zeros out, so XGBoost sees them as missing: its reference is sparse."""
    x, y = load_breast_cancer(return_X_y=True)
    data = sp.csr_matrix(x) if sparse else x
    hyperparameters = {"objective": "binary:logistic", "num_round": 5}
    booster = trained(tmp_path, hyperparameters, {"train": (content_type, encode(x, y))})
    reference = xgb.train(
        container.booster_params({k: str(v) for k, v in hyperparameters.items()}),
        xgb.DMatrix(data, label=y),
        num_boost_round=5,
    )
    np.testing.assert_allclose(
        booster.predict(xgb.DMatrix(data)), reference.predict(xgb.DMatrix(data)), atol=1e-6
    )


def test_csv_weights(tmp_path):
    x, y = load_breast_cancer(return_X_y=True)
    weights = np.where(y == 1, 3.0, 1.0)
    hyperparameters = {"objective": "binary:logistic", "num_round": 5, "csv_weights": 1}
    booster = trained(tmp_path, hyperparameters, {"train": ("text/csv", csv_text(x, y, weights))})
    reference = xgb.train(
        {"objective": "binary:logistic"}, xgb.DMatrix(x, label=y, weight=weights), 5
    )
    np.testing.assert_allclose(
        booster.predict(xgb.DMatrix(x)), reference.predict(xgb.DMatrix(x)), atol=1e-6
    )


def test_validation_early_stopping_and_metrics(tmp_path, capsys):
    x, y = load_diabetes(return_X_y=True)
    x_train, y_train, x_val, y_val = split(x, y)
    env = training_environment(
        tmp_path,
        {"num_round": 500, "eta": 0.3, "early_stopping_rounds": 5, "eval_metric": "rmse,mae"},
        {
            "train": ("text/csv", csv_text(x_train, y_train)),
            "validation": ("text/csv", csv_text(x_val, y_val)),
        },
    )
    container.train(env)
    log = capsys.readouterr().out
    assert "[0]#011train-rmse:" in log and "validation-mae:" in log
    rounds = log.count("#011train-rmse")
    assert rounds < 500  # stopped early
    metrics = json.loads((env.output_dir / "metrics.json").read_text())
    assert set(metrics) == {"train:rmse", "train:mae", "validation:rmse", "validation:mae"}
    with pytest.raises(ValueError, match="early_stopping_rounds needs a validation channel"):
        container.train(
            training_environment(
                tmp_path / "again",
                {"num_round": 5, "early_stopping_rounds": 2},
                {"train": ("text/csv", csv_text(x_train, y_train))},
            )
        )


def test_missing_hyperparameters_are_named(tmp_path):
    x, y = load_digits(return_X_y=True)
    channels = {"train": ("text/csv", csv_text(x[:50], y[:50]))}
    with pytest.raises(ValueError, match="num_round is required"):
        container.train(training_environment(tmp_path / "a", {}, channels))
    with pytest.raises(ValueError, match="num_class is required"):
        container.train(
            training_environment(
                tmp_path / "b", {"num_round": 2, "objective": "multi:softmax"}, channels
            )
        )


def test_the_table_types_and_checks_what_goes_to_xgboost():
    """The hyperparameters the job gave, typed and checked by smspark_xgboost's table (XGBoost's
    own defaults apply to the others); a key the table does not declare goes on as its text."""
    params = container.booster_params(
        {
            "num_round": "3",
            "eta": "0.1",
            "max_depth": "4",
            "eval_metric": "rmse, mae",
            "updater": "grow_colmaker,prune",
            "silent": "1",
            "max_cat_to_onehot": "4",
        }
    )
    assert params == {
        "objective": "reg:squarederror",
        "eta": 0.1,
        "max_depth": 4,
        "eval_metric": ["rmse", "mae"],
        "updater": "grow_colmaker,prune",
        "verbosity": 0,
        "max_cat_to_onehot": "4",
    }
    refused = {
        "eta": "1.5",
        "early_stopping_rounds": "0",
        "csv_weights": "2",
        "updater": "grow_colmaker,bogus",
        "eval_metric": "error@t",
        "objective": "reg:bogus",
    }
    for name, text in refused.items():
        with pytest.raises(ValueError, match=f"hyperparameter {name} must be"):
            container.booster_params({"num_round": "3", name: text})


@pytest.fixture(scope="module")
def binary_model(tmp_path_factory):
    x, y = load_breast_cancer(return_X_y=True)
    directory = tmp_path_factory.mktemp("model")
    booster = xgb.train({"objective": "binary:logistic"}, xgb.DMatrix(x, label=y), 5)
    booster.save_model(str(directory / "xgboost-model.json"))
    (directory / "xgboost-model.json").rename(directory / "xgboost-model")
    return directory, booster, x[:4]


def test_every_request_format(binary_model):
    directory, booster, rows = binary_model
    handler = container.serve(directory)
    expected = booster.predict(xgb.DMatrix(rows))
    requests = {
        "text/csv": "".join(",".join(repr(v) for v in r) + "\n" for r in rows.tolist()).encode(),
        "text/libsvm": libsvm_text(rows, np.zeros(4)),
        "text/x-libsvm": libsvm_text(rows, np.zeros(4)),
        "application/x-recordio-protobuf": amazon_record.dense_records(rows).tobytes(),
    }
    sparse = b"".join(
        recordio.frame(amazon_record.record(amazon_record.sparse_tensor(30, r.indices, r.data)))
        for r in sp.csr_matrix(rows)
    )
    requests["application/x-recordio-protobuf; sparse"] = sparse
    for content_type, body in requests.items():
        answer = handler(body, content_type.split(";")[0], "text/csv").body
        np.testing.assert_allclose([float(v) for v in answer.split()], expected, atol=1e-6)
    with pytest.raises(InvocationError) as raised:
        handler(b"1,2", "application/json", "text/csv")
    assert raised.value.status == 415


def test_every_answer_format(binary_model):
    directory, booster, rows = binary_model
    handler = container.serve(directory)
    body = "".join(",".join(repr(v) for v in r) + "\n" for r in rows.tolist()).encode()
    expected = booster.predict(xgb.DMatrix(rows))
    csv_answer = handler(body, "text/csv", "*/*")
    assert csv_answer.content_type == "text/csv" and len(csv_answer.body.splitlines()) == 4
    as_json = json.loads(handler(body, "text/csv", "application/json").body)
    np.testing.assert_allclose([p["score"] for p in as_json["predictions"]], expected, atol=1e-6)
    lines = handler(body, "text/csv", "application/jsonlines").body.decode().splitlines()
    assert len(lines) == 4 and "score" in json.loads(lines[0])
    records = amazon_record.decode_records(
        handler(body, "text/csv", "application/x-recordio-protobuf").body
    )
    np.testing.assert_allclose(
        [r.label["score"].float32_tensor.values[0] for r in records], expected, atol=1e-6
    )
    with pytest.raises(InvocationError) as raised:
        handler(body, "text/csv", "text/html")
    assert raised.value.status == 406


def test_sagemaker_inference_output(binary_model, monkeypatch):
    directory, booster, rows = binary_model
    monkeypatch.setenv("SAGEMAKER_INFERENCE_OUTPUT", "predicted_label,probabilities,raw_score")
    handler = container.serve(directory)
    body = "".join(",".join(repr(v) for v in r) + "\n" for r in rows.tolist()).encode()
    p = booster.predict(xgb.DMatrix(rows))
    answer = json.loads(handler(body, "text/csv", "application/json").body)["predictions"]
    assert [a["predicted_label"] for a in answer] == (p > 0.5).astype(float).tolist()
    np.testing.assert_allclose([a["probabilities"][1] for a in answer], p, atol=1e-6)
    margin = booster.predict(xgb.DMatrix(rows), output_margin=True)
    np.testing.assert_allclose([a["raw_score"] for a in answer], margin, atol=1e-5)
    first_line = handler(body, "text/csv", "text/csv").body.decode().splitlines()[0]
    assert first_line.count('"') == 2  # the probabilities list is quoted, as the container does
    monkeypatch.setenv("SAGEMAKER_INFERENCE_OUTPUT", "confidence")
    with pytest.raises(ValueError, match="unknown keys"):
        container.serve(directory)


def test_the_local_image_loads_no_spark_and_no_aws_sdk():
    """Its training and model-server processes import only the container toolkit."""
    assert modules_loaded_by("import smspark_xgboost.container") == set()
