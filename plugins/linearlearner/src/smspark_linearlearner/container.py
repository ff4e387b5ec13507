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

from collections.abc import Mapping
from pathlib import Path

from smspark_local.toolkit import payloads
from smspark_local.toolkit.channels import read_all
from smspark_local.toolkit.container import TrainingEnvironment

from smspark_core.codecs.hyperparameter_table import HyperparameterError
from smspark_linearlearner.hyperparameters import HYPERPARAMETERS
from smspark_linearlearner.losses import LossSettings
from smspark_linearlearner.model import LinearModel
from smspark_linearlearner.selection import BinaryCriterion
from smspark_linearlearner.training import LinearLearnerSettings, LinearLearnerTrainer, evaluate

MODEL_FILE = "model_algo-1"

# What this image makes of "auto" where the training code needs a value up front (the
# service may tune these; the other "auto"s, None when parsed, the training code resolves).
AUTO_VALUES = {
    "num_calibration_samples": 10_000_000,
    "wd": 0.0,
    "l1": 0.0,
    "beta_1": 0.9,
    "beta_2": 0.999,
    "bias_lr_mult": 10.0,
    "bias_wd_mult": 0.0,
    "normalize_data": True,
}
_LOSS_SETTINGS = ("margin", "quantile", "loss_insensitivity", "huber_delta")


def parse_settings(values: Mapping[str, str]) -> LinearLearnerSettings:
    """The container's hyperparameters (strings) as settings."""
    multiclass = HYPERPARAMETERS["predictor_type"].parse(values) == "multiclass_classifier"
    if not multiclass:  # the service ignores num_classes then, even a bad one
        values = {name: text for name, text in values.items() if name != "num_classes"}
    parsed = HYPERPARAMETERS.parse(values)
    for name, value in AUTO_VALUES.items():
        if parsed[name] is None:
            parsed[name] = value
    if multiclass and parsed["num_classes"] is None:
        raise HyperparameterError(
            "hyperparameter num_classes is required with predictor_type multiclass_classifier"
        )
    parsed["num_classes"] = parsed["num_classes"] or 1  # one output unless multiclass
    del parsed["accuracy_top_k"]  # this image reports no top-k accuracy
    selection = BinaryCriterion(
        parsed.pop("binary_classifier_model_selection_criteria"),
        beta=parsed.pop("f_beta"),
        target_recall=parsed.pop("target_recall"),
        target_precision=parsed.pop("target_precision"),
    )
    losses = LossSettings(**{name: parsed.pop(name) for name in _LOSS_SETTINGS})
    return LinearLearnerSettings(**parsed, selection=selection, losses=losses)


def _channel(env: TrainingEnvironment, channel: str, feature_dim: int | None):
    data = read_all(env, channel, feature_dim=feature_dim)
    if data is None:
        return None
    if data.labels is None:
        raise HyperparameterError(f"channel {channel!r} has no labels; Linear Learner needs them")
    if feature_dim is not None and data.features.shape[1] != feature_dim:
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
