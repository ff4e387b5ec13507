"""The local ``linear-learner`` image: Linear Learner's container contract.

train: ``train`` and optional ``validation`` and ``test`` channels, RecordIO-protobuf with
labels (dense or sparse) or CSV with the label first; trains as ``training`` describes;
reports training, validation and test metrics (``train:objective_loss``,
``validation:binary_classification_accuracy``, ``test:mse``, ...); writes ``model_algo-1``
in smspark's own format (see ``model``).

serve: ``score`` and ``predicted_label`` (classifiers) per row in RecordIO-protobuf, JSON or
JSON Lines, from RecordIO-protobuf, CSV, JSON or JSON Lines requests.
"""

from __future__ import annotations

from pathlib import Path

from smspark_local.toolkit import payloads
from smspark_local.toolkit.channels import read_all
from smspark_local.toolkit.container import TrainingEnvironment
from smspark_local.toolkit.hyperparameters import HyperparameterError, Hyperparameters

from smspark_linearlearner.choices import CRITERIA, LOSSES, PREDICTOR_TYPES
from smspark_linearlearner.losses import LossSettings
from smspark_linearlearner.model import LinearModel
from smspark_linearlearner.selection import BinaryCriterion
from smspark_linearlearner.training import LinearLearnerSettings, LinearLearnerTrainer, evaluate

MODEL_FILE = "model_algo-1"


def _auto_bool(hp: Hyperparameters, name: str) -> bool | None:
    if hp.values.get(name, "auto") == "auto":
        return None
    return hp.boolean(name, False)


def parse_settings(values: dict[str, str]) -> LinearLearnerSettings:
    hp = Hyperparameters(values)
    predictor_type = hp.choice("predictor_type", "", PREDICTOR_TYPES)
    num_classes = 1
    if predictor_type == "multiclass_classifier":
        num_classes = hp.integer("num_classes", low=3)
    weight_mult = values.get("positive_example_weight_mult", "1.0")
    if weight_mult not in ("auto", "balanced"):
        hp.number("positive_example_weight_mult", 1.0, low=0.0)
    feature_dim = values.get("feature_dim", "auto")
    return LinearLearnerSettings(
        predictor_type=predictor_type,
        feature_dim=0 if feature_dim == "auto" else hp.integer("feature_dim"),
        num_classes=num_classes,
        mini_batch_size=hp.integer("mini_batch_size", 1000),
        epochs=hp.integer("epochs", 15),
        loss=hp.choice("loss", "auto", LOSSES),
        optimizer=hp.choice("optimizer", "auto", ("auto", "sgd", "adam", "rmsprop")),
        learning_rate=hp.auto_number("learning_rate", low=0.0),
        num_models=hp.auto_integer("num_models"),
        wd=hp.auto_number("wd", low=0.0) or 0.0,
        l1=hp.auto_number("l1", low=0.0) or 0.0,
        momentum=hp.number("momentum", 0.0, 0.0, 1.0),
        beta_1=hp.number("beta_1", 0.9, 0.0, 1.0),
        beta_2=hp.number("beta_2", 0.999, 0.0, 1.0),
        bias_lr_mult=hp.auto_number("bias_lr_mult", low=0.0) or 10.0,
        bias_wd_mult=hp.auto_number("bias_wd_mult", low=0.0) or 0.0,
        use_bias=hp.boolean("use_bias", True),
        init_method=hp.choice("init_method", "uniform", ("uniform", "normal")),
        init_scale=hp.number("init_scale", 0.07, 0.0),
        init_sigma=hp.number("init_sigma", 0.01, 0.0),
        init_bias=hp.number("init_bias", 0.0),
        use_lr_scheduler=hp.boolean("use_lr_scheduler", True),
        lr_scheduler_step=hp.integer("lr_scheduler_step", 100),
        lr_scheduler_factor=hp.number("lr_scheduler_factor", 0.99, 0.0, 1.0),
        lr_scheduler_minimum_lr=hp.number("lr_scheduler_minimum_lr", 1e-5, 0.0),
        normalize_data=hp.boolean("normalize_data", True),
        normalize_label=_auto_bool(hp, "normalize_label"),
        unbias_data=_auto_bool(hp, "unbias_data"),
        unbias_label=_auto_bool(hp, "unbias_label"),
        num_point_for_scaler=hp.integer("num_point_for_scaler", 10000),
        early_stopping_patience=hp.integer("early_stopping_patience", 3),
        early_stopping_tolerance=hp.number("early_stopping_tolerance", 0.001, 0.0),
        positive_example_weight_mult=weight_mult,
        balance_multiclass_weights=hp.boolean("balance_multiclass_weights", False),
        selection=BinaryCriterion(
            hp.choice("binary_classifier_model_selection_criteria", "accuracy", CRITERIA),
            beta=hp.number("f_beta", 1.0, 0.0),
            target_recall=hp.number("target_recall", 0.8, 0.0, 1.0),
            target_precision=hp.number("target_precision", 0.8, 0.0, 1.0),
        ),
        num_calibration_samples=hp.auto_integer("num_calibration_samples") or 10_000_000,
        losses=LossSettings(
            margin=hp.number("margin", 1.0, 0.0),
            quantile=hp.number("quantile", 0.5, 0.0, 1.0),
            loss_insensitivity=hp.number("loss_insensitivity", 0.01, 0.0),
            huber_delta=hp.number("huber_delta", 1.0, 0.0),
        ),
    )


def _channel(env: TrainingEnvironment, channel: str, feature_dim: int):
    data = read_all(env, channel, feature_dim=feature_dim or None)
    if data is None:
        return None
    if data.labels is None:
        raise HyperparameterError(f"channel {channel!r} has no labels; Linear Learner needs them")
    if feature_dim and data.features.shape[1] != feature_dim:
        raise HyperparameterError(
            f"channel {channel!r} has {data.features.shape[1]} features, feature_dim is "
            f"{feature_dim}"
        )
    return data.features, data.labels


def train(env: TrainingEnvironment) -> None:
    settings = parse_settings(env.hyperparameters)
    training = _channel(env, "train", settings.feature_dim)
    if training is None:
        raise HyperparameterError("the train channel holds no data")
    validation = _channel(env, "validation", settings.feature_dim)
    print(
        f"Linear Learner: {settings.predictor_type}, loss {settings.resolved_loss()}, "
        f"{training[0].shape[0]} training rows",
        flush=True,
    )
    model, metrics = LinearLearnerTrainer(settings, lambda m: print(m, flush=True)).fit(
        *training, validation
    )
    metrics.update(evaluate(model, *training, "train", settings=settings))
    test = _channel(env, "test", settings.feature_dim)
    if test is not None:
        metrics.update(evaluate(model, *test, "test", settings=settings))
    for name, value in sorted(metrics.items()):
        env.report_metric(name, value)
    (env.model_dir / MODEL_FILE).write_bytes(model.dumps())


def serve(model_dir: Path):
    model = LinearModel.load(model_dir / MODEL_FILE)
    print(f"Linear Learner model: {model.predictor_type}, {model.feature_dim} features")
    return payloads.first_party_handler(model.predict, model.feature_dim)
