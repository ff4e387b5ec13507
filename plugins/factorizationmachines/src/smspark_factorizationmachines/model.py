"""The local image's model artifact: ``model_algo-1``, a zip of ``manifest.json`` (format,
predictor type, feature_dim, num_factors) and float64 ``.npy`` arrays ``bias.npy`` (1,),
``linear.npy`` (feature_dim,) and ``factors.npy`` (feature_dim, num_factors), read with
``allow_pickle=False``.

It is smspark's own layout, not the real container's MXNet checkpoint: a model trained by
the service cannot be hosted by the local image, nor this one by SageMaker's image. Anyone
can write one by hand (``dumps``) to serve a factorization machine trained elsewhere.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np

from smspark_factorizationmachines.algorithm import FactorizationMachine
from smspark_factorizationmachines.hyperparameters import PREDICTOR_TYPES

FORMAT = "smspark-factorization-machines/1"


def dumps(model: FactorizationMachine) -> bytes:
    manifest = {
        "format": FORMAT,
        "predictor_type": model.predictor_type,
        "feature_dim": int(model.w.shape[0]),
        "num_factors": int(model.v.shape[1]),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=1))
        arrays = {"bias.npy": np.array([model.w0]), "linear.npy": model.w, "factors.npy": model.v}
        for name, array in arrays.items():
            data = io.BytesIO()
            np.save(data, np.asarray(array, np.float64), allow_pickle=False)
            archive.writestr(name, data.getvalue())
    return buffer.getvalue()


def load(path: Path) -> FactorizationMachine:
    """The model in ``path``; a ValueError saying what is wrong otherwise."""
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = json.loads(archive.read("manifest.json"))
            arrays = {
                name: np.load(io.BytesIO(archive.read(f"{name}.npy")), allow_pickle=False)
                for name in ("bias", "linear", "factors")
            }
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise ValueError(
            f"{path.name} is not an smspark factorization machines model ({error}); models "
            "trained by the real service (MXNet checkpoints) cannot be hosted locally"
        ) from None
    if manifest.get("format") != FORMAT:
        raise ValueError(f"{path.name}: unknown model format {manifest.get('format')!r}")
    if manifest.get("predictor_type") not in PREDICTOR_TYPES:
        raise ValueError(f"{path.name}: predictor_type must be one of {PREDICTOR_TYPES}")
    linear, factors = arrays["linear"].astype(np.float64), arrays["factors"].astype(np.float64)
    if linear.ndim != 1 or factors.ndim != 2 or factors.shape[0] != linear.shape[0]:
        raise ValueError(
            f"{path.name}: linear.npy must be (d,) and factors.npy (d, k), got "
            f"{linear.shape} and {factors.shape}"
        )
    return FactorizationMachine(
        manifest["predictor_type"], float(arrays["bias"].ravel()[0]), linear, factors
    )
