"""The local image's model artifact: the service's three file names, smspark's contents.

* ``model_algo-1.json``: the metadata the service documents (``k``, ``predictor_type``,
  ``dimension_reduction`` {``type``, ``seed``, ``target_dim``, ``input_dim``} or null,
  ``normalize``, ``version``) plus this image's ``format``, ``feature_dim``,
  ``index_type``, ``index_metric`` and ``nprobe``. As with the service, editing ``k`` or
  ``predictor_type`` here changes how the served model predicts.
* ``model_algo-1.labels``: the sampled points' labels, raw little-endian float32 (the
  service's "np.float32 binary format").
* ``model_algo-1``: the index, an ``.npz`` of arrays (``points``, ``centroids``,
  ``assignment``; for IVFPQ the product quantizer's ``pq_codebooks`` and the points'
  ``pq_codes``; the projection's ``matrix``/``signs``/``coordinates``), read with
  ``allow_pickle=False``. The service writes a faiss index here, so models do not move
  between the service and this image.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from smspark_knn.algorithm import (
    KNNIndex,
    KNNModel,
    ProductQuantizer,
    Projection,
)
from smspark_knn.hyperparameters import INDEX_TYPES, METRICS, PREDICTOR_TYPES, REDUCTIONS

FORMAT = "smspark-knn/1"
INDEX_FILE = "model_algo-1"
LABELS_FILE = "model_algo-1.labels"
METADATA_FILE = "model_algo-1.json"


def write(model: KNNModel, directory: Path) -> None:
    """The model's three files in ``directory``."""
    projection = model.projection
    metadata = {
        "k": model.k,
        "predictor_type": model.predictor_type,
        "dimension_reduction": None
        if projection is None
        else {
            "type": projection.kind,
            "seed": projection.seed,
            "target_dim": projection.target_dim,
            "input_dim": projection.input_dim,
        },
        "normalize": model.index.metric == "COSINE",
        "version": "1.0",
        "format": FORMAT,
        "feature_dim": model.feature_dim,
        "index_type": model.index.index_type,
        "index_metric": model.index.metric,
        "nprobe": model.index.nprobe,
    }
    (directory / METADATA_FILE).write_text(json.dumps(metadata, indent=1))
    (directory / LABELS_FILE).write_bytes(model.labels.astype("<f4").tobytes())
    arrays = {
        "points": model.index.points.astype(np.float32),
        "centroids": model.index.centroids.astype(np.float32),
        "assignment": model.index.assignment.astype(np.int64),
    }
    if model.index.pq is not None:
        arrays.update(
            pq_codebooks=model.index.pq.codebooks.astype(np.float32),
            pq_codes=model.index.codes.astype(np.uint8),
        )
    if projection is not None:
        arrays.update(
            matrix=projection.matrix.astype(np.float32),
            signs=projection.signs.astype(np.float32),
            coordinates=projection.coordinates.astype(np.int64),
        )
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    (directory / INDEX_FILE).write_bytes(buffer.getvalue())


def _bad(message: str) -> ValueError:
    return ValueError(f"{INDEX_FILE}: {message}")


def load(directory: Path) -> KNNModel:
    """The model in ``directory``; a ValueError saying what is wrong otherwise."""
    try:
        metadata = json.loads((directory / METADATA_FILE).read_text())
        labels = np.frombuffer((directory / LABELS_FILE).read_bytes(), "<f4").astype(np.float64)
        with np.load(directory / INDEX_FILE, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (OSError, ValueError, KeyError) as error:
        raise _bad(
            f"not an smspark k-NN model ({error}); models trained by the real service "
            "(faiss indexes) cannot be hosted locally"
        ) from None
    if metadata.get("format") != FORMAT:
        raise _bad(f"unknown model format {metadata.get('format')!r}")
    if metadata.get("predictor_type") not in PREDICTOR_TYPES:
        raise _bad(f"predictor_type must be one of {PREDICTOR_TYPES}")
    if metadata.get("index_type") not in INDEX_TYPES or metadata.get("index_metric") not in METRICS:
        raise _bad("unknown index_type or index_metric in the metadata")
    k = metadata.get("k")
    if not isinstance(k, int) or k < 1:
        raise _bad(f"k must be a positive integer, got {k!r}")
    points = arrays["points"].astype(np.float64)
    if points.ndim != 2 or len(points) != len(labels):
        raise _bad(f"{len(labels)} labels for points of shape {points.shape}")
    reduction = metadata.get("dimension_reduction")
    projection = None
    if reduction is not None:
        if reduction.get("type") not in REDUCTIONS:
            raise _bad(f"dimension_reduction type must be one of {REDUCTIONS}")
        projection = Projection(
            reduction["type"],
            int(reduction["input_dim"]),
            int(reduction["target_dim"]),
            int(reduction["seed"]),
            matrix=arrays["matrix"].astype(np.float64),
            signs=arrays["signs"].astype(np.float64),
            coordinates=arrays["coordinates"].astype(np.int64),
        )
    pq = None
    if "pq_codebooks" in arrays:
        pq = ProductQuantizer(arrays["pq_codebooks"].astype(np.float64))
    index = KNNIndex(
        metadata["index_metric"],
        points,
        metadata["index_type"],
        arrays["centroids"].astype(np.float64),
        arrays["assignment"].astype(np.int64),
        int(metadata.get("nprobe", 1)),
        pq,
        arrays.get("pq_codes", np.zeros((0, 0), np.uint8)),
    )
    return KNNModel(
        k, metadata["predictor_type"], index, labels, int(metadata["feature_dim"]), projection
    )
