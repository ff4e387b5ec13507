"""The local ``randomcutforest`` image: SageMaker Random Cut Forest's container contract.

train: the ``train`` channel (RecordIO-protobuf, dense or sparse, any label ignored; or CSV,
``text/csv;label_size=N`` with ``N`` leading label columns dropped, 0 by default) streamed
in batches of ``mini_batch_size`` rows (1000, the SDK's fixed value) into a seeded
reservoir of ``num_trees x num_samples_per_tree`` rows, dealt out to the trees of a robust
random cut forest (``smspark_randomcutforest.reservoir``, ``.forest``). A row that is not
``feature_dim`` wide or holds a NaN or infinite value fails the job naming the record.
Writes the two files of ``smspark_randomcutforest.model``. With a ``test`` channel
(RecordIO-protobuf with ``label['values']``, or CSV with the label first,
``text/csv;label_size=1``), labels 1 (anomaly) or 0 (normal), reports the metrics of
``eval_metrics`` (``smspark_randomcutforest.metrics``).

serve: ``score`` per row in RecordIO-protobuf, JSON (``{"scores": [{"score": ...}]}``) or
JSON Lines per ``Accept`` (JSON for ``*/*``); requests in RecordIO-protobuf (dense or
sparse), CSV, JSON or JSON Lines. A row of the wrong width or a non-numeric value is a 400
naming the row, an unknown content type a 415, another Accept a 406.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from smspark_local.toolkit import payloads
from smspark_local.toolkit.channels import Batch, ChannelFormatError, iter_batches
from smspark_local.toolkit.container import TrainingEnvironment

from smspark_core.codecs.hyperparameter_table import HyperparameterError
from smspark_randomcutforest import model as artifact
from smspark_randomcutforest.forest import build_forest
from smspark_randomcutforest.hyperparameters import HYPERPARAMETERS
from smspark_randomcutforest.metrics import metrics_of
from smspark_randomcutforest.model import RCFModel
from smspark_randomcutforest.reservoir import Reservoir, tree_samples

SEED = 0


@dataclass(frozen=True)
class RCFSettings:
    """The hyperparameters, parsed from their SageMaker text (their defaults are the
    service's, in ``smspark_randomcutforest.hyperparameters``)."""

    feature_dim: int
    num_samples_per_tree: int
    num_trees: int
    eval_metrics: tuple[str, ...]
    mini_batch_size: int


def parse_settings(values: dict[str, str]) -> RCFSettings:
    """The hyperparameters, checked against the documented ranges."""
    return RCFSettings(**HYPERPARAMETERS.parse(values))


def _first_bad_row(features: np.ndarray | sp.csr_matrix) -> int | None:
    """The first row holding a NaN or infinite value, or None."""
    values = features.data if sp.issparse(features) else features
    bad = ~np.isfinite(values)
    if not bad.any():
        return None
    if sp.issparse(features):
        return int(np.searchsorted(features.indptr, int(np.argmax(bad)), "right")) - 1
    return int(np.argwhere(bad)[0][0])


def checked_batches(
    env: TrainingEnvironment, channel: str, settings: RCFSettings, label_size: int
) -> Iterator[Batch]:
    """The channel's batches, each row ``feature_dim`` wide and finite (``label_size``: the
    CSV label columns when the content type does not say)."""
    first = 0
    batches = iter_batches(
        env,
        channel,
        settings.mini_batch_size,
        feature_dim=settings.feature_dim,
        default_label_size=label_size,
    )
    try:
        for batch in batches:
            last = first + len(batch) - 1
            if batch.features.shape[1] != settings.feature_dim:
                raise HyperparameterError(
                    f"channel {channel!r}: records {first}..{last} have "
                    f"{batch.features.shape[1]} features, feature_dim is {settings.feature_dim}"
                )
            row = _first_bad_row(batch.features)
            if row is not None:
                raise HyperparameterError(
                    f"channel {channel!r}: record {first + row} holds a NaN or infinite value"
                )
            yield batch
            first += len(batch)
    except ChannelFormatError as error:
        raise HyperparameterError(
            f"channel {channel!r}: {error}. Random Cut Forest needs numeric features"
        ) from None


def fit(batches: Iterator[Batch], settings: RCFSettings, seed: int = SEED) -> RCFModel:
    """Sample the stream, deal the sample out to the trees, grow them."""
    rng = np.random.default_rng(seed)
    capacity = settings.num_trees * settings.num_samples_per_tree
    reservoir = Reservoir(capacity, settings.feature_dim, rng)
    for batch in batches:
        reservoir.add(batch.features)
    if reservoir.seen == 0:
        raise HyperparameterError("the train channel holds no rows")
    points = tree_samples(
        reservoir.sample(), settings.num_trees, settings.num_samples_per_tree, rng
    )
    forest = build_forest(points, settings.num_trees, rng)
    return RCFModel(forest, settings.num_samples_per_tree, reservoir.seen, seed)


def evaluate(model: RCFModel, batches: Iterator[Batch], settings: RCFSettings) -> dict[str, float]:
    """The ``eval_metrics`` of the test rows (their scores, one number a row, are kept for
    the three-sigma threshold)."""
    scores, labels = [], []
    first = 0
    for batch in batches:
        if batch.labels is None:
            raise HyperparameterError(
                f"channel 'test': records {first}.. have no label; the test channel needs "
                "label 1 (anomaly) or 0 (normal) on every record"
            )
        bad = np.flatnonzero((batch.labels != 0) & (batch.labels != 1))
        if len(bad):
            raise HyperparameterError(
                f"channel 'test': record {first + int(bad[0])} has label "
                f"{batch.labels[bad[0]]}; labels must be 1 (anomaly) or 0 (normal)"
            )
        scores.append(model.score(batch.dense()))
        labels.append(batch.labels)
        first += len(batch)
    if not scores:
        return {}
    return metrics_of(np.concatenate(scores), np.concatenate(labels), settings.eval_metrics)


def train(env: TrainingEnvironment) -> None:
    settings = parse_settings(env.hyperparameters)
    print(f"Random Cut Forest: {settings}", flush=True)
    model = fit(checked_batches(env, "train", settings, label_size=0), settings)
    print(
        f"Random Cut Forest: {model.forest.num_trees} trees of "
        f"{int(model.forest.size[model.forest.roots[0]])} rows, sampled from "
        f"{model.rows_seen} rows",
        flush=True,
    )
    artifact.write(model, env.model_dir)
    if env.channel_files("test"):
        test = checked_batches(env, "test", settings, label_size=1)
        for name, value in evaluate(model, test, settings).items():
            env.report_metric(name, value)


def serve(model_dir: Path):
    model = artifact.load(model_dir)
    print(f"Random Cut Forest model: {model.forest.num_trees} trees, {model.feature_dim} features")

    def predict(rows: np.ndarray) -> dict[str, np.ndarray]:
        return {"score": model.score(rows)}

    return payloads.first_party_handler(predict, model.feature_dim, json_key="scores")
