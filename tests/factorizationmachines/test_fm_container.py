"""The local factorization-machines image's train and serve targets, called as the backend
calls them: dense and sparse training, every hyperparameter's effect, metrics, bad input,
every request and response format, and the quality against the generating model and a
linear model (figures printed; run with -s to see them)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse as sp
from algorithm_helpers import modules_loaded_by
from algorithm_helpers import training_environment as environment
from fm_data import (
    classification_data,
    dense_recordio,
    generating_model,
    r2,
    regression_data,
    sparse_recordio,
)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import roc_auc_score
from smspark_factorizationmachines import container
from smspark_factorizationmachines import model as artifact
from smspark_factorizationmachines.algorithm import FactorizationMachine, InitSettings
from smspark_local.toolkit.container import InvocationError

from smspark_core.codecs import amazon_record, recordio
from smspark_core.codecs.hyperparameter_table import HyperparameterError

PROTOBUF = "application/x-recordio-protobuf"
# The settings of the quality figures: Adam with one learning rate, no weight decay.
FAST = {
    "mini_batch_size": 100,
    "bias_lr": 0.01,
    "linear_lr": 0.01,
    "factors_lr": 0.01,
    "bias_wd": 0.0,
    "linear_wd": 0.0,
    "factors_wd": 0.0,
    "factors_init_sigma": 0.1,
}


def trained(tmp_path, hyperparameters, train, test=None, content_type=None):
    channels = {"train": (content_type, train)}
    if test is not None:
        channels["test"] = (content_type, test)
    env = environment(tmp_path, hyperparameters, channels)
    container.train(env)
    metrics = json.loads((env.output_dir / "metrics.json").read_text())
    return artifact.load(env.model_dir / "model_algo-1"), metrics


def regressor_hp(feature_dim, **extra):
    return {"predictor_type": "regressor", "feature_dim": feature_dim, "num_factors": 4, **extra}


@pytest.mark.parametrize("encode", [sparse_recordio, dense_recordio], ids=["sparse", "dense"])
def test_trains_on_dense_and_sparse_recordio_with_test_metrics(tmp_path, encode):
    truth = generating_model(30)
    x, y = regression_data(truth, 2000, seed=1)
    xt, yt = regression_data(truth, 500, seed=2)
    model, metrics = trained(
        tmp_path, regressor_hp(30, epochs=10, **FAST), encode(x, y), encode(xt, yt)
    )
    assert set(metrics) == {"train:rmse", "test:rmse"}
    assert metrics["test:rmse"] == pytest.approx(
        np.sqrt(((model.raw(xt) - yt.astype(np.float32)) ** 2).mean()), rel=1e-6
    )  # labels travel as float32
    assert r2(model.raw(xt), yt) > 0.6  # 2,000 rows only; the quality tests are below
    assert model.v.shape == (30, 4) and model.w.shape == (30,)


def test_sparse_and_dense_input_train_the_same_model(tmp_path):
    truth = generating_model(20)
    x, y = regression_data(truth, 500, seed=3)
    hp = regressor_hp(20, epochs=2, **FAST)
    sparse_model, _ = trained(tmp_path / "s", hp, sparse_recordio(x, y))
    dense_model, _ = trained(tmp_path / "d", hp, dense_recordio(x, y))
    np.testing.assert_allclose(sparse_model.v, dense_model.v, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(sparse_model.w, dense_model.w, rtol=1e-9, atol=1e-12)


def test_sparse_training_never_densifies_a_batch(tmp_path, monkeypatch):
    """A 200,000-wide sparse channel trains with no dense row or matrix ever made."""
    truth = generating_model(200_000, factors=2)
    x, y = regression_data(truth, 500, seed=9)
    body = sparse_recordio(x, y)

    def refuse(*_args, **_kwargs):
        pytest.fail("a sparse batch was densified")

    for name in ("toarray", "todense"):
        monkeypatch.setattr(sp.csr_matrix, name, refuse)
    hp = {**regressor_hp(200_000, epochs=2, **FAST), "num_factors": 2}
    model, metrics = trained(tmp_path, hp, body)
    assert model.v.shape == (200_000, 2) and np.isfinite(metrics["train:rmse"])
    untouched = np.setdiff1d(np.arange(200_000), x.indices)
    # lazy updates: weights of features never seen keep their initial values
    assert np.abs(model.w[untouched]).max() < 0.1


def test_init_methods_values_and_zero_learning_rates_are_honoured(tmp_path):
    truth = generating_model(50)
    x, y = regression_data(truth, 300, seed=4)
    hp = regressor_hp(
        50,
        bias_lr=0.0, linear_lr=0.0, factors_lr=0.0,
        bias_init_method="constant", bias_init_value=3.5,
        linear_init_method="uniform", linear_init_scale=0.2,
        factors_init_method="normal", factors_init_sigma=0.05,
    )  # fmt: skip
    model, _ = trained(tmp_path, hp, sparse_recordio(x, y))
    assert model.w0 == 3.5
    assert np.abs(model.w).max() <= 0.2 and np.abs(model.w).max() > 0.15
    assert model.v.std() == pytest.approx(0.05, rel=0.15)


@pytest.mark.parametrize(
    "changed",
    [{"rescale_grad": 0.0}, {"eps": 1e6}],
    ids=["rescale_grad=0 means no step", "huge eps means tiny steps"],
)
def test_optimizer_hyperparameters_are_honoured(tmp_path, changed):
    truth = generating_model(20)
    x, y = regression_data(truth, 400, seed=5)
    hp = regressor_hp(
        20, bias_wd=0.0, linear_wd=0.0, factors_wd=0.0, bias_init_method="constant",
        linear_init_method="constant", factors_init_method="constant", factors_init_value=0.1,
    )  # fmt: skip
    moved, _ = trained(tmp_path / "a", {**hp, "bias_lr": 0.1}, sparse_recordio(x, y))
    still, _ = trained(tmp_path / "b", {**hp, "bias_lr": 0.1, **changed}, sparse_recordio(x, y))
    assert abs(moved.w0) > 0.05
    assert abs(still.w0) < 1e-3


def test_clip_gradient_and_weight_decay_change_the_model(tmp_path):
    truth = generating_model(20)
    x, y = regression_data(truth, 400, seed=6)
    hp = regressor_hp(20, **{**FAST, "mini_batch_size": 400})
    plain, _ = trained(tmp_path / "a", hp, sparse_recordio(x, y))
    clipped, _ = trained(tmp_path / "b", {**hp, "clip_gradient": 1e-9}, sparse_recordio(x, y))
    decayed, _ = trained(tmp_path / "c", {**hp, "linear_wd": 1e4}, sparse_recordio(x, y))
    assert not np.allclose(plain.w, clipped.w)
    # a huge decay dominates the step: every touched weight moves towards 0 by ~linear_lr
    assert np.abs(decayed.w).mean() < np.abs(plain.w).mean()


def test_the_settings_fill_what_the_service_gives_no_default_for():
    """The table's defaults are the service's; where it documents none, the image's own:
    Adam's eps, a uniform init's range from the group's default sigma, a constant init at
    0, and clip_gradient <= 0 turns clipping off (as in MXNet's optimizers)."""
    values = {name: str(value) for name, value in regressor_hp(5).items()}
    settings = container.parse_settings(values)
    assert (settings.mini_batch_size, settings.epochs) == (1000, 1)
    assert (settings.factors.lr, settings.factors.wd) == (0.0001, 0.00001)
    assert settings.factors.init == InitSettings("normal", 0.001, 0.001, 0.0)
    assert settings.eps == 1e-8
    assert settings.clip_gradient is None and settings.rescale_grad is None
    for off in ("0", "-2.5"):
        assert container.parse_settings({**values, "clip_gradient": off}).clip_gradient is None
    assert container.parse_settings({**values, "clip_gradient": "1.5"}).clip_gradient == 1.5
    del values["predictor_type"]
    with pytest.raises(HyperparameterError, match="predictor_type is required"):
        container.parse_settings(values)


def test_binary_classifier_metrics_and_labels(tmp_path):
    truth = generating_model(40, predictor_type="binary_classifier")
    x, y, _ = classification_data(truth, 3000, seed=1)
    xt, yt, _ = classification_data(truth, 500, seed=2)
    hp = {"predictor_type": "binary_classifier", "feature_dim": 40, "num_factors": 4}
    model, metrics = trained(
        tmp_path, {**hp, "epochs": 5, **FAST}, sparse_recordio(x, y), sparse_recordio(xt, yt)
    )
    assert set(metrics) == {
        f"{channel}:{name}"
        for channel in ("train", "test")
        for name in (
            "binary_classification_accuracy",
            "binary_classification_cross_entropy",
            "binary_f_beta",
        )
    }
    predictions = model.predict(xt)
    accuracy = (predictions["predicted_label"] == yt).mean()
    assert metrics["test:binary_classification_accuracy"] == pytest.approx(accuracy)
    assert set(np.unique(predictions["predicted_label"])) <= {0.0, 1.0}
    assert ((predictions["score"] >= 0) & (predictions["score"] <= 1)).all()


@pytest.mark.parametrize(
    "hyperparameters, body, message",
    [
        ({"predictor_type": "binary_classifier"}, "labels3", "record 2 has label 3"),
        ({}, "unlabelled", "have no label"),
        ({"feature_dim": 7}, "ok", "feature_dim is 7"),
        ({"num_factors": 0}, "ok", "num_factors"),
        ({"bias_init_method": "zeros"}, "ok", "bias_init_method must be one of"),
        ({"linear_lr": -1}, "ok", "linear_lr"),
    ],
)
def test_bad_training_input_fails_naming_the_problem(tmp_path, hyperparameters, body, message):
    x = np.eye(5)
    bodies = {
        "ok": dense_recordio(x, np.array([0.0, 1, 0, 1, 1])),
        "labels3": dense_recordio(x, np.array([0.0, 1, 3, 1, 1])),
        "unlabelled": dense_recordio(x),
    }
    hp = {**regressor_hp(5), **hyperparameters}
    with pytest.raises((HyperparameterError, ValueError), match=message):
        trained(tmp_path, hp, bodies[body])


@pytest.fixture(scope="module")
def handler(tmp_path_factory):
    directory = tmp_path_factory.mktemp("fm-model")
    truth = generating_model(6, predictor_type="binary_classifier")
    (directory / "model_algo-1").write_bytes(artifact.dumps(truth))
    return container.serve(directory), truth


ROWS = np.array([[1.0, 0, 0, 1, 0, 1], [0, 2.0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]])


def _requests():
    csr = sp.csr_matrix(ROWS)
    sparse_json = [
        {"data": {"features": {"keys": row.indices.tolist(), "values": row.data.tolist(),
                               "shape": [6]}}}
        for row in csr
    ]  # fmt: skip
    return {
        "dense recordio": (dense_recordio(ROWS), PROTOBUF),
        "sparse recordio": (sparse_recordio(csr), PROTOBUF),
        "json": (json.dumps({"instances": [{"features": r} for r in ROWS.tolist()]}), "application/json"),  # noqa: E501
        "sparse json": (json.dumps({"instances": sparse_json}), "application/json"),
        "jsonlines": ("".join(json.dumps({"features": r}) + "\n" for r in ROWS.tolist()),
                      "application/jsonlines"),
        "csv": ("".join(",".join(map(str, r)) + "\n" for r in ROWS.tolist()), "text/csv"),
    }  # fmt: skip


@pytest.mark.parametrize("request_kind", list(_requests()))
@pytest.mark.parametrize("accept", [PROTOBUF, "application/json", "application/jsonlines"])
def test_every_request_and_response_format(handler, request_kind, accept):
    handle, truth = handler
    body, content_type = _requests()[request_kind]
    response = handle(body if isinstance(body, bytes) else body.encode(), content_type, accept)
    assert response.content_type == accept
    expected = truth.predict(ROWS)
    if accept == PROTOBUF:
        records = amazon_record.decode_records(response.body)
        scores = [amazon_record.read_tensor(r.label["score"]).values[0] for r in records]
        labels = [amazon_record.read_tensor(r.label["predicted_label"]).values[0] for r in records]
        np.testing.assert_allclose(scores, expected["score"], rtol=1e-6)
    else:
        if accept == "application/json":
            rows = json.loads(response.body)["predictions"]
        else:
            rows = [json.loads(line) for line in response.body.decode().splitlines()]
        scores = [r["score"] for r in rows]
        labels = [r["predicted_label"] for r in rows]
        np.testing.assert_allclose(scores, expected["score"], rtol=1e-12)
    assert labels == expected["predicted_label"].tolist()


def test_regressor_answers_only_score(tmp_path):
    (tmp_path / "model_algo-1").write_bytes(artifact.dumps(generating_model(6)))
    response = container.serve(tmp_path)(dense_recordio(ROWS), PROTOBUF, "application/json")
    assert [set(p) for p in json.loads(response.body)["predictions"]] == [{"score"}] * 3


@pytest.mark.parametrize(
    "body, content_type, accept, status, message",
    [
        (dense_recordio(np.ones((2, 5))), PROTOBUF, PROTOBUF, 400, "expects 6"),
        (sparse_recordio(sp.csr_matrix(np.ones((1, 9)))), PROTOBUF, PROTOBUF, 400, "shape 9"),
        (b'{"instances": [{"features": [1, 2]}]}', "application/json", PROTOBUF, 400, "expects 6"),
        (b"not recordio", PROTOBUF, PROTOBUF, 400, "malformed"),
        (b"{}", "text/plain", PROTOBUF, 415, "not supported"),
        (dense_recordio(ROWS), PROTOBUF, "text/csv", 406, "not supported"),
    ],
)
def test_bad_requests_are_4xx_naming_the_problem(handler, body, content_type, accept, status,
                                                 message):  # fmt: skip
    with pytest.raises(InvocationError, match=message) as error:
        handler[0](body, content_type, accept)
    assert error.value.status == status


def test_a_sparse_request_is_never_densified(handler, monkeypatch):
    """A 10-million-wide sparse request is scored without a dense row."""
    wide = FactorizationMachine("regressor", 0.5, np.zeros(10_000_000), np.zeros((10_000_000, 2)))
    wide.w[[3, 9_999_999]] = 1.0
    monkeypatch.setattr(sp.csr_matrix, "toarray", lambda *_: pytest.fail("densified"))
    x = sp.csr_matrix(([1.0, 2.0], ([0, 0], [3, 9_999_999])), shape=(1, 10_000_000))
    assert wide.raw(x).tolist() == [3.5]
    tensor = amazon_record.sparse_tensor(10_000_000, x.indices, x.data)
    body = recordio.frame(amazon_record.record(tensor))
    from smspark_local.toolkit import payloads

    parsed = payloads.parse_sparse_features(body, PROTOBUF, 10_000_000)
    assert sp.issparse(parsed) and parsed.nnz == 2


# ------------------------------------------------------------------------------ quality


@pytest.fixture(scope="module")
def regression():
    truth = generating_model(200)
    return truth, regression_data(truth, 20_000, seed=11), regression_data(truth, 5_000, seed=12)


def test_regressor_quality_against_ridge_and_the_noise_ceiling(tmp_path, regression):
    """20,000 rows of 200 binary features (10 active), 4 factors, noise sigma 0.5."""
    _, (x, y), (xt, yt) = regression
    model, _ = trained(tmp_path, regressor_hp(200, epochs=10, **FAST), sparse_recordio(x, y))
    fm_r2 = r2(model.raw(xt), yt)
    ridge_r2 = r2(Ridge(alpha=1.0).fit(x, y).predict(xt), yt)
    ceiling = 1 - 0.25 / yt.var()
    print(f"\nFM regressor test R2 {fm_r2:.4f}, ridge {ridge_r2:.4f}, noise ceiling {ceiling:.4f}")
    assert fm_r2 >= 0.9
    assert fm_r2 > ridge_r2 + 0.3


def test_binary_classifier_auc_close_to_the_generating_model(tmp_path):
    truth = generating_model(200, predictor_type="binary_classifier")
    x, y, _ = classification_data(truth, 20_000, seed=21)
    xt, yt, pt = classification_data(truth, 5_000, seed=22)
    hp = {"predictor_type": "binary_classifier", "feature_dim": 200, "num_factors": 4}
    model, _ = trained(tmp_path, {**hp, "epochs": 20, **FAST}, sparse_recordio(x, y))
    auc = roc_auc_score(yt, model.predict(xt)["score"])
    best = roc_auc_score(yt, pt)
    linear = roc_auc_score(yt, LogisticRegression(max_iter=1000).fit(x, y).decision_function(xt))
    print(f"\nFM classifier test AUC {auc:.4f}, generating model {best:.4f}, logistic {linear:.4f}")
    assert auc >= best - 0.02


def test_wider_sparser_data_and_the_weight_decays(tmp_path):
    """1,000 features (each pair of features seen about twice), 20,000 rows. With the
    generating model's 4 factors there is little to overfit. With 32 factors and 30 epochs
    the FM overfits (a train/test R² gap of about 0.05); a factor decay of 0.005 halves the
    gap and raises the test R². The same held on two other pairs of seeds; a larger decay
    underfits (plugin README)."""
    truth = generating_model(1000)
    x, y = regression_data(truth, 20_000, seed=31)
    xt, yt = regression_data(truth, 5_000, seed=32)
    figures = {}
    for factors, epochs, factors_wd in (
        (4, 20, 0.0),
        (32, 30, 0.0),
        (32, 30, 0.005),
    ):
        hp = {
            **regressor_hp(1000, epochs=epochs, **{**FAST, "factors_wd": factors_wd}),
            "num_factors": factors,
        }
        model, _ = trained(tmp_path / f"{factors}-{factors_wd}", hp, sparse_recordio(x, y))
        figures[(factors, factors_wd)] = (r2(model.raw(x), y), r2(model.raw(xt), yt))
    ridge_r2 = r2(Ridge(alpha=1.0).fit(x, y).predict(xt), yt)
    for (factors, fwd), (train_r2, test_r2) in figures.items():
        print(f"\nd=1000 num_factors={factors} factors_wd={fwd}: train R2 {train_r2:.4f}, "
              f"test R2 {test_r2:.4f}, gap {train_r2 - test_r2:.4f}")  # fmt: skip
    print(f"d=1000 ridge test R2 {ridge_r2:.4f}")
    assert figures[(4, 0.0)][1] >= 0.9
    gap = {key: train_r2 - test_r2 for key, (train_r2, test_r2) in figures.items()}
    assert gap[(32, 0.0)] > 0.03  # too many factors, no decay: overfits
    assert gap[(32, 0.005)] < 0.6 * gap[(32, 0.0)]  # decay narrows the gap ...
    assert figures[(32, 0.005)][1] > figures[(32, 0.0)][1] + 0.01  # ... and improves the test


def test_the_local_image_loads_no_spark_and_no_aws_sdk():
    """Its training and model-server processes import only the container toolkit."""
    assert modules_loaded_by("import smspark_factorizationmachines.container") == set()
