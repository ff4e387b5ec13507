"""The local linear-learner image: input formats, quality against scikit-learn on the same
splits, threshold calibration, losses, weights, early stopping, metrics and serving."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse as sp
from algorithm_helpers import modules_loaded_by, training_environment
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_wine
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from smspark_linearlearner import container
from smspark_linearlearner.model import LinearModel
from smspark_local.toolkit.container import InvocationError

from smspark_core.codecs import amazon_record, recordio

# Small data: small mini-batches and more epochs than the service's defaults.
SMALL_DATA = {"mini_batch_size": 64, "epochs": 30}


def recordio_dense(x, y):
    return amazon_record.dense_records(x, y).tobytes()


def recordio_sparse(x, y):
    return b"".join(
        recordio.frame(
            amazon_record.record(amazon_record.sparse_tensor(x.shape[1], r.indices, r.data), label)
        )
        for r, label in zip(sp.csr_matrix(x), y)
    )


def csv_text(x, y):
    return "".join(
        ",".join(repr(v) for v in row) + "\n" for row in np.column_stack([y, x]).tolist()
    ).encode()


def fit(
    tmp_path,
    hyperparameters,
    train,
    validation=None,
    test=None,
    encode=recordio_dense,
    content_type=None,
):
    channels = {"train": (content_type, encode(*train))}
    if validation is not None:
        channels["validation"] = (content_type, encode(*validation))
    if test is not None:
        channels["test"] = (content_type, encode(*test))
    env = training_environment(tmp_path, hyperparameters, channels)
    container.train(env)
    model = LinearModel.load(env.model_dir / "model_algo-1")
    return model, json.loads((env.output_dir / "metrics.json").read_text())


def split(loader, seed=0):
    x, y = loader(return_X_y=True)
    return train_test_split(x.astype(float), y.astype(float), test_size=0.25, random_state=seed)


def logistic_reference(x_train, y_train, x_test, y_test) -> float:
    reference = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
    return reference.fit(x_train, y_train).score(x_test, y_test)


def test_binary_accuracy_against_logistic_regression(tmp_path):
    x_train, x_test, y_train, y_test = split(load_breast_cancer)
    hyperparameters = {"predictor_type": "binary_classifier", "feature_dim": 30, **SMALL_DATA}
    model, _ = fit(tmp_path, hyperparameters, (x_train, y_train))
    ours = float((model.predict(x_test)["predicted_label"] == y_test).mean())
    theirs = logistic_reference(x_train, y_train, x_test, y_test)
    print(f"breast_cancer accuracy {ours:.4f} vs LogisticRegression {theirs:.4f}")
    assert ours >= theirs - 0.015
    score = model.predict(x_test)["score"]
    assert ((score >= 0) & (score <= 1)).all()  # a probability with the logistic loss


@pytest.mark.parametrize(
    "loader, classes", [(load_wine, 3), (load_digits, 10)], ids=["wine", "digits"]
)
def test_multiclass_accuracy_against_multinomial_logistic_regression(tmp_path, loader, classes):
    x_train, x_test, y_train, y_test = split(loader)
    hyperparameters = {
        "predictor_type": "multiclass_classifier",
        "num_classes": classes,
        "feature_dim": x_train.shape[1],
        **SMALL_DATA,
    }
    model, _ = fit(tmp_path, hyperparameters, (x_train, y_train))
    predicted = model.predict(x_test)
    ours = float((predicted["predicted_label"] == y_test).mean())
    theirs = logistic_reference(x_train, y_train, x_test, y_test)  # multinomial (lbfgs)
    print(f"{loader.__name__} accuracy {ours:.4f} vs LogisticRegression {theirs:.4f}")
    assert ours >= theirs - 0.02
    np.testing.assert_allclose(predicted["score"].sum(axis=1), 1.0)


def test_regression_r2_against_linear_regression(tmp_path):
    x_train, x_test, y_train, y_test = split(load_diabetes)
    hyperparameters = {"predictor_type": "regressor", "feature_dim": 10, **SMALL_DATA}
    model, metrics = fit(tmp_path, hyperparameters, (x_train, y_train), test=(x_test, y_test))
    residual = y_test - model.predict(x_test)["score"]
    ours = 1 - (residual**2).sum() / ((y_test - y_test.mean()) ** 2).sum()
    theirs = LinearRegression().fit(x_train, y_train).score(x_test, y_test)
    print(f"diabetes R^2 {ours:.4f} vs LinearRegression {theirs:.4f}")
    assert ours >= theirs - 0.02
    assert metrics["test:mse"] == pytest.approx(float((residual**2).mean()))


def test_quantile_loss_puts_about_90_percent_under_the_prediction(tmp_path):
    x_train, x_test, y_train, y_test = split(load_diabetes)
    hyperparameters = {
        "predictor_type": "regressor",
        "feature_dim": 10,
        "loss": "quantile_loss",
        "quantile": 0.9,
        "mini_batch_size": 32,
        "epochs": 60,
    }
    model, _ = fit(tmp_path, hyperparameters, (x_train, y_train))
    under = float((y_test <= model.predict(x_test)["score"]).mean())
    print(f"quantile 0.9: {under:.3f} of the test labels under the prediction")
    assert 0.82 <= under <= 0.97


@pytest.mark.parametrize(
    "criterion, target, achieved",
    [
        ("precision_at_target_recall", {"target_recall": 0.99}, "recall"),
        ("recall_at_target_precision", {"target_precision": 0.99}, "precision"),
    ],
)
def test_calibrated_threshold_reaches_the_target_on_validation(
    tmp_path, criterion, target, achieved
):
    x_train, x_rest, y_train, y_rest = split(load_breast_cancer, seed=1)
    x_val, x_test, y_val, y_test = train_test_split(x_rest, y_rest, test_size=0.5, random_state=1)
    hyperparameters = {
        "predictor_type": "binary_classifier",
        "feature_dim": 30,
        "binary_classifier_model_selection_criteria": criterion,
        **target,
        **SMALL_DATA,
    }
    model, metrics = fit(tmp_path, hyperparameters, (x_train, y_train), (x_val, y_val))
    predicted = model.predict(x_val)["predicted_label"]
    true_positives = float(((predicted == 1) & (y_val == 1)).sum())
    value = true_positives / (
        (y_val == 1).sum() if achieved == "recall" else max((predicted == 1).sum(), 1)
    )
    assert value >= 0.99
    assert metrics[f"validation:{achieved}"] == pytest.approx(value)


@pytest.mark.parametrize(
    "criterion", ["accuracy", "f1", "f_beta", "cross_entropy_loss", "loss_function"]
)
def test_every_selection_criterion_trains_a_good_model(tmp_path, criterion):
    x_train, x_test, y_train, y_test = split(load_breast_cancer)
    hyperparameters = {
        "predictor_type": "binary_classifier",
        "feature_dim": 30,
        "binary_classifier_model_selection_criteria": criterion,
        "f_beta": 2.0,
        **SMALL_DATA,
    }
    model, _ = fit(tmp_path, hyperparameters, (x_train, y_train))
    assert float((model.predict(x_test)["predicted_label"] == y_test).mean()) > 0.92


def test_example_weights():
    from smspark_linearlearner.training import _class_weights

    def settings(**values):
        return container.parse_settings({"feature_dim": "2", **values})

    y = np.array([1.0, 0.0, 0.0, 0.0])
    binary = settings(predictor_type="binary_classifier", positive_example_weight_mult="2.5")
    assert _class_weights(y, binary, 2).tolist() == [[2.5, 1, 1, 1]] * 2
    balanced = settings(predictor_type="binary_classifier", positive_example_weight_mult="balanced")
    assert _class_weights(y, balanced, 1).tolist() == [[3.0, 1, 1, 1]]
    auto = settings(predictor_type="binary_classifier", positive_example_weight_mult="auto")
    assert _class_weights(y, auto, 2).tolist() == [[1, 1, 1, 1], [3.0, 1, 1, 1]]
    classes = np.array([0.0, 0.0, 0.0, 1.0, 2.0, 2.0])
    multi = settings(
        predictor_type="multiclass_classifier", num_classes="3", balance_multiclass_weights="true"
    )
    weights = _class_weights(classes, multi, 1)[0]
    assert weights.tolist() == pytest.approx([2 / 3] * 3 + [2.0, 1.0, 1.0])
    assert [weights[classes == c].sum() for c in range(3)] == pytest.approx([2.0, 2.0, 2.0])


@pytest.mark.parametrize(
    "encode, content_type",
    [(recordio_sparse, "application/x-recordio-protobuf"), (csv_text, "text/csv")],
    ids=["recordio-sparse", "csv"],
)
def test_other_input_formats(tmp_path, encode, content_type):
    x_train, x_test, y_train, y_test = split(load_breast_cancer)
    hyperparameters = {"predictor_type": "binary_classifier", "feature_dim": 30, **SMALL_DATA}
    model, _ = fit(
        tmp_path, hyperparameters, (x_train, y_train), encode=encode, content_type=content_type
    )
    assert float((model.predict(x_test)["predicted_label"] == y_test).mean()) > 0.9


@pytest.mark.parametrize(
    "loss, extra",
    [
        ("absolute_loss", {}),
        ("huber_loss", {"huber_delta": 0.5}),
        ("eps_insensitive_squared_loss", {"loss_insensitivity": 0.1}),
        ("eps_insensitive_absolute_loss", {"loss_insensitivity": 0.1}),
    ],
)
def test_regression_losses_learn(tmp_path, loss, extra):
    x_train, x_test, y_train, y_test = split(load_diabetes)
    hyperparameters = {
        "predictor_type": "regressor",
        "feature_dim": 10,
        "loss": loss,
        **SMALL_DATA,
        **extra,
    }
    model, _ = fit(tmp_path, hyperparameters, (x_train, y_train))
    residual = y_test - model.predict(x_test)["score"]
    assert 1 - (residual**2).sum() / ((y_test - y_test.mean()) ** 2).sum() > 0.25


def test_hinge_loss_optimizers_weights_and_early_stopping(tmp_path, capsys):
    x_train, x_test, y_train, y_test = split(load_breast_cancer)
    for index, optimizer in enumerate(("sgd", "rmsprop")):
        hyperparameters = {
            "predictor_type": "binary_classifier",
            "feature_dim": 30,
            "loss": "hinge_loss",
            "optimizer": optimizer,
            "positive_example_weight_mult": "balanced",
            "l1": 0.001,
            "epochs": 200,
            "mini_batch_size": 64,
            "early_stopping_patience": 2,
            "early_stopping_tolerance": 0.05,
        }
        model, _ = fit(tmp_path / str(index), hyperparameters, (x_train, y_train), (x_test, y_test))
        assert float((model.predict(x_test)["predicted_label"] == y_test).mean()) > 0.9
        assert "early stopping after epoch" in capsys.readouterr().out


def test_bad_labels_and_settings_are_named(tmp_path):
    x, y = load_wine(return_X_y=True)
    with pytest.raises(ValueError, match="binary_classifier needs labels 0 or 1, found 2"):
        fit(tmp_path / "a", {"predictor_type": "binary_classifier", "feature_dim": 13}, (x, y))
    with pytest.raises(ValueError, match="num_classes is required"):
        container.parse_settings({"predictor_type": "multiclass_classifier"})
    with pytest.raises(ValueError, match="loss softmax_loss cannot be used with predictor_type"):
        fit(
            tmp_path / "b",
            {"predictor_type": "regressor", "feature_dim": 13, "loss": "softmax_loss"},
            (x, y),
        )


def test_auto_where_the_service_takes_it_and_num_classes_only_for_multiclass():
    """The service takes "auto" for some hyperparameters whose estimator setters take only
    numbers or booleans; it ignores num_classes unless the predictor is multiclass."""
    auto = ("feature_dim", "wd", "beta_1", "bias_lr_mult", "normalize_data", "normalize_label")
    settings = container.parse_settings(
        {"predictor_type": "binary_classifier", "num_classes": "2", **dict.fromkeys(auto, "auto")}
    )
    assert settings.feature_dim is None  # the width of the training data
    assert (settings.wd, settings.beta_1, settings.bias_lr_mult) == (0.0, 0.9, 10.0)
    assert settings.normalize_data is True and settings.normalize_label is None
    assert settings.num_classes == 1
    with pytest.raises(ValueError, match="hyperparameter margin must be a number > 0, got '0'"):
        container.parse_settings({"predictor_type": "regressor", "margin": "0"})


@pytest.fixture
def handlers(tmp_path):
    binary = LinearModel(
        "binary_classifier", "logistic", np.array([[1.0], [-1.0]]), np.array([0.0]), 0.5
    )
    multiclass = LinearModel(
        "multiclass_classifier",
        "softmax_loss",
        np.array([[1.0, 0.0, -1.0], [0.0, 1.0, 0.0]]),
        np.zeros(3),
        0.5,
        3,
    )
    regressor = LinearModel("regressor", "squared_loss", np.array([[2.0], [3.0]]), np.array([1.0]))
    result = {}
    for name, model in (("binary", binary), ("multiclass", multiclass), ("regressor", regressor)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "model_algo-1").write_bytes(model.dumps())
        result[name] = container.serve(tmp_path / name)
    return result


def test_serving_each_predictor_type_and_format(handlers):
    rows = np.array([[1.0, 0.0], [0.0, 2.0]])
    requests = {
        "text/csv": b"1,0\n0,2\n",
        "application/json": b'{"instances":[{"features":[1,0]},{"features":[0,2]}]}',
        "application/jsonlines": b'{"features":[1,0]}\n{"features":[0,2]}\n',
        "application/x-recordio-protobuf": recordio_dense(rows, np.zeros(2)),
    }
    for content_type, body in requests.items():
        answer = json.loads(handlers["regressor"](body, content_type, "application/json").body)
        assert answer == {"predictions": [{"score": 3.0}, {"score": 7.0}]}
    binary = json.loads(handlers["binary"](requests["text/csv"], "text/csv", "*/*").body)
    assert [p["predicted_label"] for p in binary["predictions"]] == [1.0, 0.0]
    assert binary["predictions"][0]["score"] == pytest.approx(1 / (1 + np.exp(-1)))
    lines = handlers["multiclass"](requests["text/csv"], "text/csv", "application/jsonlines")
    first = json.loads(lines.body.decode().splitlines()[0])
    assert first["predicted_label"] == 0.0 and len(first["score"]) == 3
    records = amazon_record.decode_records(
        handlers["multiclass"](
            requests["text/csv"], "text/csv", "application/x-recordio-protobuf"
        ).body
    )
    assert len(records[1].label["score"].float32_tensor.values) == 3
    assert records[1].label["predicted_label"].float32_tensor.values[0] == 1.0
    with pytest.raises(InvocationError) as raised:
        handlers["binary"](b"1,2,3\n", "text/csv", "application/json")
    assert raised.value.status == 400 and "row 0 has 3 features" in raised.value.message
    with pytest.raises(InvocationError) as raised:
        handlers["binary"](b"1,2\n", "text/csv", "text/csv")
    assert raised.value.status == 406


def test_the_local_image_loads_no_spark_and_no_aws_sdk():
    """Its training and model-server processes import only the container toolkit."""
    assert modules_loaded_by("import smspark_linearlearner.container") == set()
