"""The local ``pca`` image: SageMaker PCA's container contract.

train: streams the ``train`` channel (RecordIO-protobuf dense or sparse, or CSV with
``label_size=0``) in ``mini_batch_size`` batches and writes ``model_algo-1``, an MXNet
NDArray dict file with ``v``, ``s`` and (with ``subtract_mean``) ``mean``, as the real
container does, and reports ``train:progress`` and ``train:throughput``.

serve: answers ``projection`` per row in RecordIO-protobuf, JSON (``{"projections":
[...]}``) or JSON Lines, from RecordIO-protobuf, CSV, JSON or JSON Lines requests.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from smspark_local.toolkit import payloads
from smspark_local.toolkit.channels import iter_batches
from smspark_local.toolkit.container import TrainingEnvironment

from smspark_core.codecs import mxnet_ndarray
from smspark_pca.algorithm import PCAModel, PCASettings, train_pca
from smspark_pca.hyperparameters import HYPERPARAMETERS

MODEL_FILE = "model_algo-1"


def parse_settings(values: dict[str, str]) -> PCASettings:
    """The container's hyperparameters (strings) as settings."""
    return PCASettings(**HYPERPARAMETERS.parse(values))


def train(env: TrainingEnvironment) -> None:
    settings = parse_settings(env.hyperparameters)
    print(f"PCA: {settings}", flush=True)

    rows = 0

    def batches():
        nonlocal rows
        for batch in iter_batches(
            env,
            "train",
            settings.mini_batch_size,
            feature_dim=settings.feature_dim,
            default_label_size=0,
        ):
            rows += batch.features.shape[0]
            yield batch.features

    started = time.perf_counter()
    model = train_pca(batches, settings)
    elapsed = time.perf_counter() - started
    arrays = {"v": model.v.astype(np.float32), "s": model.s.astype(np.float32)}
    if model.mean is not None:
        arrays["mean"] = model.mean.reshape(1, -1).astype(np.float32)
    (env.model_dir / MODEL_FILE).write_bytes(mxnet_ndarray.dumps(arrays))
    print(f"singular values (ascending): {np.array2string(model.s, precision=4)}", flush=True)
    # The service's PCA reports progress and throughput (records a second over the passes).
    env.report_metric("train:progress", 100.0)
    env.report_metric("train:throughput", rows / max(elapsed, 1e-9))


def load_model(model_dir: Path) -> PCAModel:
    arrays = mxnet_ndarray.loads((model_dir / MODEL_FILE).read_bytes())
    if not isinstance(arrays, dict) or "v" not in arrays:
        raise ValueError(f"{MODEL_FILE}: expected an NDArray dict with 'v', 's' and 'mean'")
    mean = arrays.get("mean")
    return PCAModel(
        arrays["v"].astype(np.float64),
        arrays["s"].astype(np.float64),
        None if mean is None else mean.astype(np.float64).ravel(),
    )


def serve(model_dir: Path):
    model = load_model(model_dir)
    print(f"PCA model: {model.v.shape[0]} features to {model.v.shape[1]} components")
    return payloads.first_party_handler(
        lambda features: {"projection": model.project(features)},
        model.v.shape[0],
        json_key="projections",
    )
