"""Linear Learner's losses: value and gradient with respect to the scores.

Scores ``z`` have shape (models, rows, outputs); labels ``y`` (rows,). Every function returns
the per-row loss (models, rows) and dL/dz (models, rows, outputs). Binary labels are 0/1
(hinge loss reads them as -1/+1); multiclass labels are class indices.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

LossFunction = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

AUTO_LOSS = {
    "binary_classifier": "logistic",
    "multiclass_classifier": "softmax_loss",
    "regressor": "squared_loss",
}
REGRESSION_LOSSES = (
    "squared_loss",
    "absolute_loss",
    "eps_insensitive_squared_loss",
    "eps_insensitive_absolute_loss",
    "quantile_loss",
    "huber_loss",
)


@dataclass(frozen=True)
class LossSettings:
    """The loss-specific hyperparameters (each loss reads its own)."""

    margin: float
    quantile: float
    loss_insensitivity: float
    huber_delta: float


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # stable for large |z|


def softmax(z: np.ndarray) -> np.ndarray:
    shifted = np.exp(z - z.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def make_loss(name: str, settings: LossSettings) -> LossFunction:
    """The loss ``name`` as a function of (scores, labels)."""

    def logistic(z, y):
        s = z[..., 0]
        loss = np.logaddexp(0.0, s) - y * s
        return loss, (sigmoid(s) - y)[..., None]

    def softmax_loss(z, y):
        probabilities = softmax(z)
        rows = np.arange(len(y))
        labels = y.astype(np.int64)
        loss = -np.log(np.maximum(probabilities[:, rows, labels], 1e-300))
        gradient = probabilities.copy()
        gradient[:, rows, labels] -= 1.0
        return loss, gradient

    def hinge(z, y):
        s, sign = z[..., 0], 2.0 * y - 1.0
        slack = settings.margin - sign * s
        return np.maximum(slack, 0.0), np.where(slack > 0, -sign, 0.0)[..., None]

    def residual_loss(value, derivative):
        def loss(z, y):
            r = z[..., 0] - y
            return value(r), derivative(r)[..., None]

        return loss

    eps, q, delta = settings.loss_insensitivity, settings.quantile, settings.huber_delta
    losses: dict[str, LossFunction] = {
        "logistic": logistic,
        "softmax_loss": softmax_loss,
        "hinge_loss": hinge,
        "squared_loss": residual_loss(lambda r: 0.5 * r * r, lambda r: r),
        "absolute_loss": residual_loss(np.abs, np.sign),
        "eps_insensitive_squared_loss": residual_loss(
            lambda r: 0.5 * np.maximum(np.abs(r) - eps, 0) ** 2,
            lambda r: np.sign(r) * np.maximum(np.abs(r) - eps, 0),
        ),
        "eps_insensitive_absolute_loss": residual_loss(
            lambda r: np.maximum(np.abs(r) - eps, 0),
            lambda r: np.where(np.abs(r) > eps, np.sign(r), 0.0),
        ),
        # r = z - y: under-prediction (r < 0) costs q per unit, over-prediction 1 - q.
        "quantile_loss": residual_loss(
            lambda r: np.where(r < 0, -q * r, (1 - q) * r), lambda r: np.where(r < 0, -q, 1 - q)
        ),
        "huber_loss": residual_loss(
            lambda r: np.where(np.abs(r) <= delta, 0.5 * r * r, delta * (np.abs(r) - 0.5 * delta)),
            lambda r: np.clip(r, -delta, delta),
        ),
    }
    return losses[name]


def check_loss(loss: str, predictor_type: str) -> str:
    """The loss to use (``auto`` resolved), or a ValueError for a combination the real
    algorithm rejects."""
    if loss == "auto":
        return AUTO_LOSS[predictor_type]
    allowed = {
        "binary_classifier": ("logistic", "hinge_loss"),
        "multiclass_classifier": ("softmax_loss",),
        "regressor": REGRESSION_LOSSES,
    }[predictor_type]
    if loss not in allowed:
        raise ValueError(
            f"loss {loss} cannot be used with predictor_type {predictor_type} "
            f"(use auto or one of {', '.join(allowed)})"
        )
    return loss
