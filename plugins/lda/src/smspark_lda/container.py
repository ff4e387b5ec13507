"""The local ``lda`` image: SageMaker LDA's container contract.

train: streams the ``train`` channel of word-count rows (RecordIO-protobuf dense or sparse,
or CSV with ``label_size=0``) in ``mini_batch_size`` documents; a negative or non-finite
count, or a row that is not ``feature_dim`` wide, fails the job naming the record. Writes
``model_algo-1`` as the real container does: an MXNet NDArray list ``[alpha, beta]``,
``alpha`` (K,) and ``beta`` (K, V) float32. With a ``test`` channel, reports
``test:pwll`` (per-word log-likelihood); ``train:pwll`` always.

serve: answers ``topic_mixture`` (K proportions summing to 1) per row in RecordIO-protobuf,
JSON or JSON Lines, from RecordIO-protobuf, CSV, JSON or JSON Lines requests (sparse
ones stay sparse); negative counts are a 400.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from smspark_local.toolkit import payloads
from smspark_local.toolkit.channels import iter_batches
from smspark_local.toolkit.container import InvocationError, TrainingEnvironment

from smspark_core.codecs import mxnet_ndarray
from smspark_core.codecs.hyperparameter_table import HyperparameterError
from smspark_lda.algorithm import LDAModel, LDASettings, train_lda
from smspark_lda.hyperparameters import HYPERPARAMETERS

MODEL_FILE = "model_algo-1"
# The service's defaults for its spectral method's ALS phase (max_iterations 1000, tol 1e-8)
# would make variational Bayes run for hours: this image's own apply when a job sends none.
VARIATIONAL_DEFAULTS = {"max_iterations": 50, "tol": 1e-4}


def parse_settings(values: dict[str, str]) -> LDASettings:
    """The container's hyperparameters (strings) as settings, with ``VARIATIONAL_DEFAULTS``
    for those the job does not send."""
    settings = HYPERPARAMETERS.parse(values)
    settings.update({k: v for k, v in VARIATIONAL_DEFAULTS.items() if k not in values})
    return LDASettings(**settings)


def negative_count_row(counts: np.ndarray | sp.csr_matrix) -> int | None:
    """The first row holding a negative or non-finite count, or None."""
    values = counts.data if sp.issparse(counts) else counts
    bad = (values < 0) | ~np.isfinite(values)
    if not bad.any():
        return None
    if sp.issparse(counts):
        return int(np.searchsorted(counts.indptr, int(np.argmax(bad)), "right")) - 1
    return int(np.argwhere(bad)[0][0])


def documents(
    env: TrainingEnvironment, channel: str, settings: LDASettings
) -> Iterator[np.ndarray | sp.csr_matrix]:
    first = 0
    for batch in iter_batches(
        env,
        channel,
        settings.mini_batch_size,
        feature_dim=settings.feature_dim,
        default_label_size=0,
    ):
        counts = batch.features
        if counts.shape[1] != settings.feature_dim:
            raise HyperparameterError(
                f"channel {channel!r}: records {first}..{first + len(batch) - 1} have "
                f"{counts.shape[1]} words, feature_dim (the vocabulary size) is "
                f"{settings.feature_dim}"
            )
        row = negative_count_row(counts)
        if row is not None:
            raise HyperparameterError(
                f"channel {channel!r}: record {first + row} holds a negative or non-finite "
                "word count; LDA needs counts >= 0"
            )
        yield counts
        first += len(batch)


def train(env: TrainingEnvironment) -> None:
    settings = parse_settings(env.hyperparameters)
    print(f"LDA (online variational Bayes): {settings}", flush=True)
    model = train_lda(
        lambda: documents(env, "train", settings), settings, lambda m: print(m, flush=True)
    )
    arrays = [model.alpha.astype(np.float32), model.beta.astype(np.float32)]
    (env.model_dir / MODEL_FILE).write_bytes(mxnet_ndarray.dumps(arrays))
    env.report_metric(
        "train:pwll", model.per_word_log_likelihood(documents(env, "train", settings))
    )
    if env.channel_files("test"):
        env.report_metric(
            "test:pwll", model.per_word_log_likelihood(documents(env, "test", settings))
        )


def load_model(model_dir: Path) -> LDAModel:
    arrays = mxnet_ndarray.loads((model_dir / MODEL_FILE).read_bytes())
    if not isinstance(arrays, list) or len(arrays) != 2:
        raise ValueError(f"{MODEL_FILE}: expected an NDArray list [alpha, beta]")
    alpha, beta = (a.astype(np.float64) for a in arrays)
    if alpha.ndim != 1 or beta.ndim != 2 or beta.shape[0] != alpha.shape[0]:
        raise ValueError(
            f"{MODEL_FILE}: alpha must be (K,) and beta (K, V), got {alpha.shape} and {beta.shape}"
        )
    if (beta < 0).any() or (alpha <= 0).any():
        raise ValueError(f"{MODEL_FILE}: alpha must be positive and beta non-negative")
    return LDAModel(alpha, beta / beta.sum(axis=1, keepdims=True))


def serve(model_dir: Path):
    model = load_model(model_dir)
    print(f"LDA model: {model.num_topics} topics over {model.beta.shape[1]} words")

    def predict(counts: sp.csr_matrix) -> dict[str, np.ndarray]:
        row = negative_count_row(counts)
        if row is not None:
            raise InvocationError(400, f"row {row} holds a negative word count")
        return {"topic_mixture": model.topic_mixture(counts)}

    return payloads.first_party_handler(predict, model.beta.shape[1], sparse=True)
