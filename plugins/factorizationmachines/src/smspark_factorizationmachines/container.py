"""The local ``factorization-machines`` image: SageMaker Factorization Machines' container
contract.

train: the ``train`` channel and an optional ``test`` channel, RecordIO-protobuf with
labels (dense or sparse; the service reads only this; CSV with the label first is also
read), streamed in ``mini_batch_size`` batches for ``epochs`` passes; every hyperparameter
the estimators send is honoured (see ``parse_settings``); binary classifier labels must be
0 or 1. Reports ``train:`` and ``test:`` metrics (``rmse`` for the regressor;
``binary_classification_accuracy``, ``binary_classification_cross_entropy`` and
``binary_f_beta`` for the classifier); writes ``model_algo-1`` (see ``model``).

serve: ``score`` (and ``predicted_label`` for the classifier, threshold 0.5) per row in
RecordIO-protobuf, JSON or JSON Lines per ``Accept``, from RecordIO-protobuf, JSON, JSON
Lines or CSV requests; sparse requests stay sparse.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from smspark_local.toolkit import payloads
from smspark_local.toolkit.channels import iter_batches
from smspark_local.toolkit.container import TrainingEnvironment

from smspark_core.codecs.hyperparameter_table import HyperparameterError
from smspark_factorizationmachines import model as artifact
from smspark_factorizationmachines.algorithm import (
    EPSILON,
    Features,
    FMSettings,
    GroupSettings,
    InitSettings,
    evaluate,
    train_fm,
)
from smspark_factorizationmachines.hyperparameters import HYPERPARAMETERS

MODEL_FILE = "model_algo-1"


def _group(hp: dict[str, Any], name: str) -> GroupSettings:
    """One parameter group's settings. The service documents no default init scale or
    value: a uniform init without a scale uses the group's default sigma as its range, a
    constant one without a value starts at 0."""
    scale, value = hp[f"{name}_init_scale"], hp[f"{name}_init_value"]
    return GroupSettings(
        lr=hp[f"{name}_lr"],
        wd=hp[f"{name}_wd"],
        init=InitSettings(
            method=hp[f"{name}_init_method"],
            sigma=hp[f"{name}_init_sigma"],
            scale=HYPERPARAMETERS[f"{name}_init_sigma"].default if scale is None else scale,
            value=0.0 if value is None else value,
        ),
    )


def parse_settings(values: dict[str, str]) -> FMSettings:
    """The container's hyperparameters (strings) as settings. A ``clip_gradient`` <= 0
    turns clipping off, as it does in MXNet's optimizers (the service trains with MXNet);
    without ``eps``, Adam's own applies."""
    hp = HYPERPARAMETERS.parse(values)
    clip, eps = hp["clip_gradient"], hp["eps"]
    return FMSettings(
        predictor_type=hp["predictor_type"],
        feature_dim=hp["feature_dim"],
        num_factors=hp["num_factors"],
        mini_batch_size=hp["mini_batch_size"],
        epochs=hp["epochs"],
        bias=_group(hp, "bias"),
        linear=_group(hp, "linear"),
        factors=_group(hp, "factors"),
        clip_gradient=clip if clip is not None and clip > 0 else None,
        eps=EPSILON if eps is None else eps,
        rescale_grad=hp["rescale_grad"],
    )


def labelled_batches(
    env: TrainingEnvironment, channel: str, settings: FMSettings
) -> Iterator[tuple[Features, np.ndarray]]:
    """The channel's (features, labels) batches, checked: width feature_dim, a label on
    every row, labels 0/1 for the classifier."""
    first = 0
    for batch in iter_batches(
        env, channel, settings.mini_batch_size, feature_dim=settings.feature_dim
    ):
        if batch.labels is None:
            raise HyperparameterError(
                f"channel {channel!r}: records {first}.. have no label; Factorization "
                "Machines needs label['values'] on every record"
            )
        if batch.features.shape[1] != settings.feature_dim:
            raise HyperparameterError(
                f"channel {channel!r}: records {first}..{first + len(batch) - 1} have "
                f"{batch.features.shape[1]} features, feature_dim is {settings.feature_dim}"
            )
        if settings.predictor_type == "binary_classifier":
            bad = np.flatnonzero((batch.labels != 0) & (batch.labels != 1))
            if len(bad):
                raise HyperparameterError(
                    f"channel {channel!r}: record {first + int(bad[0])} has label "
                    f"{batch.labels[bad[0]]:g}; the binary classifier needs labels 0 or 1"
                )
        yield batch.features, batch.labels
        first += len(batch)


def train(env: TrainingEnvironment) -> None:
    settings = parse_settings(env.hyperparameters)
    print(f"Factorization Machines: {settings}", flush=True)
    model = train_fm(
        lambda: labelled_batches(env, "train", settings),
        settings,
        lambda message: print(message, flush=True),
    )
    (env.model_dir / MODEL_FILE).write_bytes(artifact.dumps(model))
    metrics = evaluate(model, labelled_batches(env, "train", settings), "train")
    if env.channel_files("test"):
        metrics.update(evaluate(model, labelled_batches(env, "test", settings), "test"))
    for name, value in sorted(metrics.items()):
        env.report_metric(name, value)


def serve(model_dir: Path):
    model = artifact.load(model_dir / MODEL_FILE)
    print(
        f"Factorization Machines model: {model.predictor_type}, {model.feature_dim} features, "
        f"{model.v.shape[1]} factors"
    )
    return payloads.first_party_handler(model.predict, model.feature_dim, sparse=True)
