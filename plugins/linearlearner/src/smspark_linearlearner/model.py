"""A trained Linear Learner model, its predictions, and its artifact.

The artifact is smspark's own, not the real container's MXNet checkpoint: ``model_algo-1``
is a zip holding ``manifest.json`` (format, predictor type, loss, threshold, classes) and
``weights.npy`` (feature_dim x outputs) and ``bias.npy`` (outputs), float64, read with
``allow_pickle=False``. Weights are in the raw feature space (scaling already folded in).
A model trained by the real service cannot be hosted by the local image, nor the reverse.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from smspark_linearlearner.losses import sigmoid, softmax

FORMAT = "smspark-linear-learner/1"


@dataclass
class LinearModel:
    predictor_type: str
    loss: str
    weights: np.ndarray  # (feature_dim, outputs)
    bias: np.ndarray  # (outputs,)
    threshold: float = 0.5
    num_classes: int = 1

    @property
    def feature_dim(self) -> int:
        return self.weights.shape[0]

    def scores(self, features) -> np.ndarray:
        """Raw scores (rows, outputs)."""
        return np.asarray(features @ self.weights) + self.bias

    def predict(self, features) -> dict[str, np.ndarray]:
        """The container's answer keys: ``score`` (a probability for logistic and softmax
        losses) and, for classifiers, ``predicted_label``."""
        z = self.scores(features)
        if self.predictor_type == "regressor":
            return {"score": z[:, 0]}
        if self.predictor_type == "multiclass_classifier":
            probabilities = softmax(z)
            return {"score": probabilities, "predicted_label": probabilities.argmax(axis=1) * 1.0}
        score = sigmoid(z[:, 0]) if self.loss == "logistic" else z[:, 0]
        return {"score": score, "predicted_label": (score >= self.threshold) * 1.0}

    def dumps(self) -> bytes:
        manifest = {
            "format": FORMAT,
            "predictor_type": self.predictor_type,
            "loss": self.loss,
            "threshold": self.threshold,
            "num_classes": self.num_classes,
            "feature_dim": self.feature_dim,
        }
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("manifest.json", json.dumps(manifest, indent=1))
            for name, array in (("weights.npy", self.weights), ("bias.npy", self.bias)):
                data = io.BytesIO()
                np.save(data, np.asarray(array, np.float64), allow_pickle=False)
                archive.writestr(name, data.getvalue())
        return buffer.getvalue()

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        try:
            with zipfile.ZipFile(path) as archive:
                manifest = json.loads(archive.read("manifest.json"))
                weights = np.load(io.BytesIO(archive.read("weights.npy")), allow_pickle=False)
                bias = np.load(io.BytesIO(archive.read("bias.npy")), allow_pickle=False)
        except (zipfile.BadZipFile, KeyError) as error:
            raise ValueError(
                f"{path.name} is not an smspark Linear Learner model ({error}); models trained "
                "by the real service (MXNet checkpoints) cannot be hosted locally"
            ) from None
        if manifest.get("format") != FORMAT:
            raise ValueError(f"{path.name}: unknown model format {manifest.get('format')!r}")
        return cls(
            manifest["predictor_type"],
            manifest["loss"],
            weights,
            bias,
            manifest["threshold"],
            manifest["num_classes"],
        )
