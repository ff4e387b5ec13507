"""A factorization machine (Rendle, 2010) in numpy and scipy.sparse: what the local
``factorization-machines`` image trains and serves.

    y(x) = w0 + sum_i w_i x_i + 1/2 sum_f [(sum_i v_if x_i)^2 - sum_i v_if^2 x_i^2]

Both the prediction and the gradients cost O(num_factors x nnz) per row and never densify
a batch: sparse mini-batches stay CSR, and each update touches only the rows of ``w`` and
``v`` of the features present in the batch (a "lazy" update, as MXNet's sparse optimizers
do; weight decay too applies only to those rows). The optimizer is Adam with a learning
rate and a weight decay per parameter group (bias, linear, factors), MXNet's order of
operations: ``g = clip(rescale_grad * g) + wd * w``, then the bias-corrected Adam step.
Losses: logistic for the binary classifier (``score`` = sigmoid), squared for the
regressor.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

Features = np.ndarray | sp.csr_matrix
BETA_1, BETA_2 = 0.9, 0.999
EPSILON = 1e-8  # Adam's (MXNet's too): the eps of a job that sends none


@dataclass(frozen=True)
class InitSettings:
    """How one parameter group starts: normal(0, sigma), uniform(-scale, scale) or value."""

    method: str
    sigma: float
    scale: float
    value: float

    def draw(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        if self.method == "normal":
            return rng.normal(0.0, self.sigma, size=shape)
        if self.method == "uniform":
            return rng.uniform(-self.scale, self.scale, size=shape)
        return np.full(shape, self.value, dtype=np.float64)


@dataclass(frozen=True)
class GroupSettings:
    """Learning rate, weight decay and initialisation of one parameter group."""

    lr: float
    wd: float
    init: InitSettings


@dataclass(frozen=True)
class FMSettings:
    """The hyperparameters that shape training, parsed from their SageMaker text (their
    defaults are the service's, in ``smspark_factorizationmachines.hyperparameters``; where
    it documents none, the container's ``parse_settings`` says what applies)."""

    predictor_type: str
    feature_dim: int
    num_factors: int
    mini_batch_size: int
    epochs: int
    bias: GroupSettings
    linear: GroupSettings
    factors: GroupSettings
    clip_gradient: float | None  # None: no clipping
    eps: float
    rescale_grad: float | None  # None: 1 / rows of the batch (the mean gradient)
    seed: int = 0


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _squares(x: Features) -> Features:
    return x.multiply(x).tocsr() if sp.issparse(x) else x * x


@dataclass
class FactorizationMachine:
    """The trained parameters: bias ``w0``, linear ``w`` (d,) and factors ``v`` (d, k)."""

    predictor_type: str
    w0: float
    w: np.ndarray
    v: np.ndarray

    @property
    def feature_dim(self) -> int:
        return self.w.shape[0]

    def raw(self, x: Features) -> np.ndarray:
        """The model's output before the link, (n,)."""
        return _raw(x, self.w0, self.w, self.v)[0]

    def predict(self, x: Features) -> dict[str, np.ndarray]:
        """The container's answer keys: ``score`` and, for the classifier,
        ``predicted_label`` (score >= 0.5)."""
        z = self.raw(x)
        if self.predictor_type == "regressor":
            return {"score": z}
        score = sigmoid(z)
        return {"score": score, "predicted_label": (score >= 0.5) * 1.0}


def _raw(x: Features, w0: float, w: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The output (n,) and x @ v (n, k), which the gradient reuses."""
    xv = np.asarray(x @ v)
    pairwise = 0.5 * ((xv * xv).sum(axis=1) - np.asarray(_squares(x) @ (v * v)).sum(axis=1))
    return w0 + np.asarray(x @ w).ravel() + pairwise, xv


@dataclass
class _Adam:
    """Adam moments of one parameter array, updated only where ``rows`` say."""

    group: GroupSettings
    m: np.ndarray
    s: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.s = np.zeros_like(self.m)

    def step(self, weight: np.ndarray, grad: np.ndarray, rows, t: int, settings: FMSettings):
        if settings.clip_gradient is not None:
            grad = np.clip(grad, -settings.clip_gradient, settings.clip_gradient)
        grad = grad + self.group.wd * weight[rows]
        self.m[rows] = BETA_1 * self.m[rows] + (1 - BETA_1) * grad
        self.s[rows] = BETA_2 * self.s[rows] + (1 - BETA_2) * grad * grad
        lr = self.group.lr * math.sqrt(1 - BETA_2**t) / (1 - BETA_1**t)
        weight[rows] -= lr * self.m[rows] / (np.sqrt(self.s[rows]) + settings.eps)


class FMTrainer:
    """Mini-batch Adam on the logistic or squared loss (see the module docstring)."""

    def __init__(self, settings: FMSettings) -> None:
        self.settings = settings
        rng = np.random.default_rng(settings.seed)
        d, k = settings.feature_dim, settings.num_factors
        self.w0 = np.asarray(settings.bias.init.draw((1,), rng), dtype=np.float64)
        self.w = settings.linear.init.draw((d,), rng)
        self.v = settings.factors.init.draw((d, k), rng)
        self.optimizers = (
            _Adam(settings.bias, np.zeros(1)),
            _Adam(settings.linear, np.zeros(d)),
            _Adam(settings.factors, np.zeros((d, k))),
        )
        self.steps = 0

    def model(self) -> FactorizationMachine:
        return FactorizationMachine(
            self.settings.predictor_type, float(self.w0[0]), self.w.copy(), self.v.copy()
        )

    def update(self, x: Features, y: np.ndarray) -> float:
        """One Adam step on a mini-batch; returns the batch's summed loss before the step."""
        if sp.issparse(x):
            columns = np.unique(x.indices)
            sub = x[:, columns].tocsr()
        else:
            columns = slice(None)
            sub = x
        v = self.v[columns]
        z, xv = _raw(sub, float(self.w0[0]), self.w[columns], v)
        if self.settings.predictor_type == "binary_classifier":
            p = sigmoid(z)
            residual = p - y
            loss = float(np.logaddexp(0.0, z).sum() - (y * z).sum())
        else:
            residual = z - y
            loss = float(0.5 * (residual * residual).sum())
        scale = self.settings.rescale_grad
        if scale is None:
            scale = 1.0 / len(y)
        g = residual * scale
        grad_w = np.asarray(sub.T @ g).ravel()
        grad_v = (
            np.asarray(sub.T @ (g[:, None] * xv))
            - v * np.asarray(_squares(sub).T @ g).ravel()[:, None]
        )
        self.steps += 1
        bias, linear, factors = self.optimizers
        bias.step(self.w0, np.array([g.sum()]), slice(None), self.steps, self.settings)
        linear.step(self.w, grad_w, columns, self.steps, self.settings)
        factors.step(self.v, grad_v, columns, self.steps, self.settings)
        return loss


def train_fm(
    batches: Callable[[], Iterable[tuple[Features, np.ndarray]]],
    settings: FMSettings,
    log: Callable[[str], None] = lambda _: None,
) -> FactorizationMachine:
    """The model trained for ``settings.epochs`` passes over ``batches()`` (called once per
    epoch; each call streams the channel again)."""
    trainer = FMTrainer(settings)
    for epoch in range(settings.epochs):
        total, rows = 0.0, 0
        for x, y in batches():
            total += trainer.update(x, y)
            rows += len(y)
        if rows == 0:
            raise ValueError("the train channel holds no rows")
        name = "cross_entropy" if settings.predictor_type == "binary_classifier" else "mse/2"
        log(f"epoch {epoch + 1}/{settings.epochs}: train {name} {total / rows:.6g} ({rows} rows)")
    return trainer.model()


def evaluate(
    model: FactorizationMachine, batches: Iterable[tuple[Features, np.ndarray]], prefix: str
) -> dict[str, float]:
    """The container's metrics of a channel, streamed: ``<prefix>:rmse`` for the regressor;
    ``binary_classification_accuracy``, ``binary_classification_cross_entropy`` and
    ``binary_f_beta`` (F1, threshold 0.5) for the classifier."""
    squared = cross_entropy = 0.0
    rows = correct = true_positive = predicted_positive = positive = 0
    for x, y in batches:
        z = model.raw(x)
        rows += len(y)
        if model.predictor_type == "regressor":
            squared += float(((z - y) ** 2).sum())
            continue
        cross_entropy += float(np.logaddexp(0.0, z).sum() - (y * z).sum())
        label = (z >= 0.0) * 1.0
        correct += int((label == y).sum())
        true_positive += int(((label == 1) & (y == 1)).sum())
        predicted_positive += int((label == 1).sum())
        positive += int((y == 1).sum())
    if rows == 0:
        return {}
    if model.predictor_type == "regressor":
        return {f"{prefix}:rmse": math.sqrt(squared / rows)}
    f1 = (
        2 * true_positive / (predicted_positive + positive)
        if predicted_positive + positive
        else 0.0
    )
    return {
        f"{prefix}:binary_classification_accuracy": correct / rows,
        f"{prefix}:binary_classification_cross_entropy": cross_entropy / rows,
        f"{prefix}:binary_f_beta": f1,
    }
