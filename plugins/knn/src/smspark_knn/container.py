"""The local ``knn`` image: SageMaker k-NN's container contract.

train: the ``train`` channel (RecordIO-protobuf with ``label['values']``, dense or sparse,
or CSV with the label first, ``text/csv;label_size=1``: the service reads both) streamed
in ``mini_batch_size`` batches into a seeded uniform sample of ``sample_size`` rows, then
the optional dimension reduction and the index (see ``smspark_knn.algorithm``). A record
without a label, a non-numeric (NaN, infinite or text) label, or a row that is not
``feature_dim`` wide fails the job naming it. With a ``test`` channel, reports
``test:accuracy`` (classifier) or ``test:mse`` (regressor). Writes the three model files
of ``smspark_knn.model``.

serve: ``predicted_label`` per row in RecordIO-protobuf, JSON or JSON Lines per ``Accept``;
with ``verbose=true`` among the Accept parameters (``application/json; verbose=true``)
also the k ``distances`` and the neighbours' ``labels``. Requests in RecordIO-protobuf,
JSON, JSON Lines or CSV (``label_size`` leading columns dropped, 0 by default); a row of
the wrong width is a 400 naming it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from smspark_local.toolkit import payloads
from smspark_local.toolkit.channels import ChannelFormatError, iter_batches
from smspark_local.toolkit.container import InvocationError, InvocationResponse, TrainingEnvironment

from smspark_core.codecs.hyperparameter_table import HyperparameterError
from smspark_core.foundation.media_types import CSV, JSON, media_type
from smspark_knn import model as artifact
from smspark_knn.algorithm import (
    Features,
    KNNModel,
    Projection,
    UniformSample,
    build_index,
)
from smspark_knn.hyperparameters import HYPERPARAMETERS

OFFERED = payloads.response_types(csv=False)
SEED = 0


@dataclass(frozen=True)
class KNNSettings:
    """The hyperparameters that shape training, parsed from their SageMaker text (their
    defaults are the service's, in ``smspark_knn.hyperparameters``)."""

    feature_dim: int
    mini_batch_size: int
    k: int
    sample_size: int
    predictor_type: str
    dimension_reduction_type: str | None
    dimension_reduction_target: int | None
    index_type: str
    index_metric: str
    faiss_index_ivf_nlists: int | None  # None: auto, sqrt(sample size)
    faiss_index_pq_m: int | None

    @property
    def reduced_dim(self) -> int | None:
        """The target dimension; for IVFPQ raised to a multiple of ``faiss_index_pq_m``, as
        the service documents."""
        target, pq_m = self.dimension_reduction_target, self.faiss_index_pq_m
        if target is None or self.index_type != "faiss.IVFPQ" or not pq_m:
            return target
        return -(-target // pq_m) * pq_m


def parse_settings(values: dict[str, str]) -> KNNSettings:
    """The hyperparameters with the documented ranges and the rules between them."""
    settings = KNNSettings(**HYPERPARAMETERS.parse(values))
    _check_rules(settings)
    return settings


def _check_rules(settings: KNNSettings) -> None:
    """The rules between hyperparameters, as the estimator checks them at ``fit()``."""
    reduction, target = settings.dimension_reduction_type, settings.dimension_reduction_target
    if reduction is not None and target is None:
        raise HyperparameterError(
            "hyperparameter dimension_reduction_target is required when "
            "dimension_reduction_type is set"
        )
    if target is not None and reduction is None:
        raise HyperparameterError(
            "hyperparameter dimension_reduction_target needs a dimension_reduction_type"
        )
    if target is not None and target >= settings.feature_dim:
        raise HyperparameterError(
            f"hyperparameter dimension_reduction_target must be less than feature_dim "
            f"({settings.feature_dim}): {target}"
        )
    if settings.index_type == "faiss.IVFPQ" and settings.index_metric != "L2":
        raise HyperparameterError(
            f"index_metric {settings.index_metric} is not supported with index_type "
            "faiss.IVFPQ (use L2)"
        )
    if settings.faiss_index_pq_m is not None and settings.index_type != "faiss.IVFPQ":
        raise HyperparameterError(
            "hyperparameter faiss_index_pq_m applies only to index_type faiss.IVFPQ"
        )


def labelled_batches(
    env: TrainingEnvironment, channel: str, settings: KNNSettings
) -> Iterator[tuple[Features, np.ndarray]]:
    """The channel's (features, labels) batches, checked: a numeric label on every row,
    width feature_dim."""
    first = 0
    batches = iter_batches(env, channel, settings.mini_batch_size, feature_dim=settings.feature_dim)
    try:
        for batch in batches:
            if batch.labels is None:
                raise HyperparameterError(
                    f"channel {channel!r}: records {first}.. have no label; k-NN needs "
                    "label['values'] on every record (or the label as the first CSV column)"
                )
            if batch.features.shape[1] != settings.feature_dim:
                raise HyperparameterError(
                    f"channel {channel!r}: records {first}..{first + len(batch) - 1} have "
                    f"{batch.features.shape[1]} features, feature_dim is {settings.feature_dim}"
                )
            bad = np.flatnonzero(~np.isfinite(batch.labels))
            if len(bad):
                raise HyperparameterError(
                    f"channel {channel!r}: record {first + int(bad[0])} has label "
                    f"{batch.labels[bad[0]]}; the k-NN {settings.predictor_type} needs a "
                    "numeric label on every record"
                )
            yield batch.features, batch.labels
            first += len(batch)
    except ChannelFormatError as error:
        raise HyperparameterError(
            f"channel {channel!r}: {error}. The k-NN {settings.predictor_type} needs numeric "
            "features and a numeric label (class labels as numbers, e.g. from StringIndexer)"
        ) from None


def fit(
    batches: Iterator[tuple[Features, np.ndarray]], settings: KNNSettings, seed: int = SEED
) -> KNNModel:
    """Sample, reduce, index (see ``smspark_knn.algorithm``)."""
    projection = None
    if settings.dimension_reduction_type is not None:
        projection = Projection.random(
            settings.dimension_reduction_type, settings.feature_dim, settings.reduced_dim, seed
        )
    sample = UniformSample(settings.sample_size, np.random.default_rng(seed))
    for features, labels in batches:
        if projection is not None:
            rows = projection.apply(features)  # sparse batches are projected without densifying
        else:
            rows = features.toarray() if sp.issparse(features) else np.asarray(features)
        sample.add(rows.astype(np.float32), labels)
    if sample.rows is None:
        raise HyperparameterError("the train channel holds no rows")
    if len(sample.labels) < settings.k:
        raise HyperparameterError(
            f"k is {settings.k} but the train channel holds only {len(sample.labels)} rows"
        )
    index = build_index(
        sample.rows.astype(np.float64),
        settings.index_metric,
        settings.index_type,
        settings.faiss_index_ivf_nlists,
        seed,
        settings.faiss_index_pq_m,
    )
    return KNNModel(
        settings.k, settings.predictor_type, index, sample.labels, settings.feature_dim, projection
    )


def evaluate(model: KNNModel, batches: Iterator[tuple[Features, np.ndarray]]) -> dict[str, float]:
    """``test:accuracy`` (classifier) or ``test:mse`` (regressor), streamed."""
    rows = correct = 0
    squared = 0.0
    for features, labels in batches:
        predicted = model.predict(features)["predicted_label"]
        rows += len(labels)
        correct += int((predicted == labels).sum())
        squared += float(((predicted - labels) ** 2).sum())
    if rows == 0:
        return {}
    if model.predictor_type == "classifier":
        return {"test:accuracy": correct / rows}
    return {"test:mse": squared / rows}


def train(env: TrainingEnvironment) -> None:
    settings = parse_settings(env.hyperparameters)
    print(f"k-NN: {settings}", flush=True)
    model = fit(labelled_batches(env, "train", settings), settings)
    print(f"k-NN: indexed {len(model.labels)} sampled rows", flush=True)
    artifact.write(model, env.model_dir)
    if env.channel_files("test"):
        for name, value in evaluate(model, labelled_batches(env, "test", settings)).items():
            env.report_metric(name, value)


def is_verbose(accept: str | None) -> bool:
    """Whether any type of ``accept`` carries ``verbose=true``."""
    return any(
        media_type(choice)[1].get("verbose", "").lower() == "true"
        for choice in (accept or "").split(",")
    )


def parse_request(body: bytes, content_type: str, feature_dim: int) -> np.ndarray:
    """The request's rows; a CSV request's ``label_size`` leading columns are dropped."""
    kind, params = media_type(content_type)
    label_size = int(params.get("label_size", "0") or 0) if kind == CSV else 0
    rows = payloads.parse_features(body, content_type, feature_dim + label_size)
    return rows[:, label_size:]


def serve(model_dir: Path):
    model = artifact.load(model_dir)
    print(
        f"k-NN model: {model.predictor_type}, k={model.k}, {len(model.labels)} points, "
        f"{model.index.index_type} {model.index.metric}"
    )

    def handle(body: bytes, content_type: str, accept: str) -> InvocationResponse:
        answer = payloads.negotiate(accept, OFFERED, JSON)
        try:
            features = parse_request(body, content_type, model.feature_dim)
        except ValueError as error:
            raise InvocationError(400, f"bad label_size in {content_type!r}: {error}") from None
        return payloads.encode_predictions(model.predict(features, is_verbose(accept)), answer)

    return handle
