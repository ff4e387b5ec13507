"""The local ``kmeans`` image: SageMaker's k-means container contract, run by the local
backend (``train`` and ``serve`` are the image's targets).

train: reads hyperparameters with the container's names, streams the ``train`` channel
(RecordIO-protobuf dense or sparse, or ``text/csv;label_size=0``), writes ``model_algo-1``
(the centroids as an MXNet NDArray list file, loadable by the real container), reports
``train:msd`` and ``train:progress`` and scores the optional ``test`` channel with
``eval_metrics`` (reported as ``test:msd``/``test:ssd``). When the job has a CheckpointConfig
(``/opt/ml/checkpoints`` exists) the streaming state is saved there after every epoch, and a
job that finds one there (restarted after a spot interruption, or a new job given the same
checkpoint URI) resumes after that epoch and ends with the same centroids.

serve: answers ``closest_cluster`` and ``distance_to_cluster`` (Euclidean) per row in
RecordIO-protobuf, JSON, JSON Lines or CSV, from RecordIO-protobuf, CSV, JSON or JSON Lines
requests.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
from smspark_local.toolkit import payloads
from smspark_local.toolkit.channels import iter_batches
from smspark_local.toolkit.container import TrainingEnvironment

from smspark_core.codecs import mxnet_ndarray
from smspark_kmeans.algorithm import (
    KMeansSettings,
    StreamingKMeans,
    score,
    squared_distances,
    train_kmeans,
)
from smspark_kmeans.hyperparameters import HYPERPARAMETERS

MODEL_FILE = "model_algo-1"
CHECKPOINT_FILE = "kmeans-state.npz"


def parse_settings(values: dict[str, str]) -> KMeansSettings:
    """The container's hyperparameters (strings) as settings."""
    return KMeansSettings(**HYPERPARAMETERS.parse(values))


def train(env: TrainingEnvironment) -> None:
    settings = parse_settings(env.hyperparameters)
    print(f"k-means: {settings}", flush=True)

    def batches(channel: str):
        for batch in iter_batches(
            env,
            channel,
            settings.mini_batch_size,
            feature_dim=settings.feature_dim,
            default_label_size=0,
        ):
            yield batch.features

    checkpoints = env.checkpoint_dir
    resume = load_checkpoint(checkpoints, settings) if checkpoints else None
    if resume is not None:
        print(
            f"k-means: resuming from the checkpoint after epoch {resume.epochs_done}/"
            f"{settings.epochs} ({resume.points_seen} points seen)",
            flush=True,
        )
    centers = train_kmeans(
        lambda: batches("train"),
        settings,
        lambda m: print(m, flush=True),
        resume=resume,
        epoch_done=(lambda s: save_checkpoint(checkpoints, s)) if checkpoints else lambda _: None,
    )
    (env.model_dir / MODEL_FILE).write_bytes(mxnet_ndarray.dumps([centers.astype(np.float32)]))
    # As the service's k-means: the mean squared distance of the training rows to their
    # centres and the share of the epochs done, then the test channel's eval_metrics.
    env.report_metric("train:msd", score(batches("train"), centers)["msd"])
    env.report_metric("train:progress", 100.0)
    if env.channel_files("test"):
        scores = score(batches("test"), centers)
        for metric in settings.eval_metrics:
            env.report_metric(f"test:{metric}", scores[metric])


def _fingerprint(settings: KMeansSettings) -> str:
    """The settings a checkpoint must have been written with (epochs may change)."""
    return repr(dataclasses.replace(settings, epochs=0))


def save_checkpoint(directory: Path, streaming: StreamingKMeans) -> None:
    """The state after an epoch, replaced atomically: written next to the directory first,
    so that the checkpoint sync never uploads a half-written file."""
    temporary = directory.parent / f".{CHECKPOINT_FILE}.tmp"
    with temporary.open("wb") as file:
        np.savez(file, settings=np.array(_fingerprint(streaming.settings)), **streaming.state())
    os.replace(temporary, directory / CHECKPOINT_FILE)


def load_checkpoint(directory: Path, settings: KMeansSettings) -> StreamingKMeans | None:
    """The state saved in ``directory``, or None when there is none; a ValueError naming
    the difference when it was written with other hyperparameters."""
    path = directory / CHECKPOINT_FILE
    if not path.exists():
        return None
    with np.load(path) as saved:
        state = {name: saved[name] for name in saved.files}
    written = str(state.pop("settings"))
    if written != _fingerprint(settings):
        raise ValueError(
            f"the checkpoint {CHECKPOINT_FILE} in /opt/ml/checkpoints was written with other "
            f"hyperparameters ({written}, now {_fingerprint(settings)}); give the job a new "
            "checkpoint S3 URI"
        )
    return StreamingKMeans.from_state(settings, state)


def load_centroids(model_dir: Path) -> np.ndarray:
    arrays = mxnet_ndarray.loads((model_dir / MODEL_FILE).read_bytes())
    centers = arrays[0] if isinstance(arrays, list) else next(iter(arrays.values()))
    if centers.ndim != 2:
        raise ValueError(f"{MODEL_FILE}: expected a (k, feature_dim) array, got {centers.shape}")
    return centers.astype(np.float64)


def predict(centers: np.ndarray, features: np.ndarray) -> dict[str, np.ndarray]:
    distances = squared_distances(features, centers)
    closest = distances.argmin(axis=1)
    nearest = distances[np.arange(len(closest)), closest]
    return {
        "closest_cluster": closest.astype(np.float64),
        "distance_to_cluster": np.sqrt(nearest),
    }


def serve(model_dir: Path):
    centers = load_centroids(model_dir)
    print(f"k-means model: {centers.shape[0]} clusters of {centers.shape[1]} features")
    return payloads.first_party_handler(
        lambda features: predict(centers, features), centers.shape[1], csv_answers=True
    )
