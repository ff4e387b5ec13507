"""Linear Learner's training: scaling, ``num_models`` linear models optimised together on
mini-batches, early stopping, model selection and threshold calibration.

* **Scaling** (estimated on the first ``num_point_for_scaler`` rows): ``normalize_data``
  divides features by their standard deviation, ``unbias_data`` also subtracts the mean
  (auto: only for dense data, so sparse rows stay sparse); ``normalize_label`` and
  ``unbias_label`` do the same to a regressor's label (auto: on for regressors). The
  final weights are mapped back to raw feature and label units.
* **Models**: every model shares the data but has its own learning rate and
  regularization: model 0 uses the given values; the others vary the learning rate
  around it and, where ``wd``/``l1`` are 0, try small amounts; with
  ``positive_example_weight_mult=auto`` half of them weight the classes to balance.
* **Optimisation**: ``sgd`` (with ``momentum``), ``adam`` (``beta_1``, ``beta_2``; also
  what ``auto`` means) or ``rmsprop``, L2 (``wd``) in the gradient and L1 (``l1``) as a
  proximal step, the bias at ``bias_lr_mult``/``bias_wd_mult`` times the weights' rate
  and decay, and the step scheduler (every ``lr_scheduler_step`` updates the rate is
  multiplied by ``lr_scheduler_factor``, down to ``lr_scheduler_minimum_lr``).
* **Early stopping**: after each epoch the mean loss on the validation channel (or the
  training data) is compared with each model's best; training stops once no model has
  improved by more than ``early_stopping_tolerance`` (relative) for
  ``early_stopping_patience`` epochs, and each model keeps its best epoch.
* **Selection**: on the validation channel, or the training data without one, by
  ``binary_classifier_model_selection_criteria`` (the threshold calibrated for it on up
  to ``num_calibration_samples`` rows), multiclass accuracy, or the regression loss.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from smspark_linearlearner.losses import LossSettings, check_loss, make_loss, sigmoid, softmax
from smspark_linearlearner.model import LinearModel
from smspark_linearlearner.selection import BinaryCriterion, calibrate

AUTO_MODELS = 8
AUTO_LEARNING_RATE = {"adam": 0.1, "rmsprop": 0.01, "sgd": 0.1}
_RATE_FACTORS = (1.0, 0.3, 3.0, 0.1, 10.0, 0.03, 30.0, 0.01)
_DECAYS = (0.0, 1e-4, 1e-3, 1e-5)

Matrix = np.ndarray | sp.csr_matrix


@dataclass(frozen=True)
class LinearLearnerSettings:
    """The hyperparameters that shape training, parsed from their SageMaker text (their
    defaults are the service's, in ``smspark_linearlearner.hyperparameters``; the container
    resolves the "auto"s that need a value up front)."""

    predictor_type: str
    feature_dim: int | None  # None: the width of the training data
    num_classes: int  # 1 unless multiclass_classifier
    mini_batch_size: int
    epochs: int
    loss: str
    optimizer: str
    learning_rate: float | None  # None: auto
    num_models: int | None  # None: auto
    wd: float
    l1: float
    momentum: float
    beta_1: float
    beta_2: float
    bias_lr_mult: float
    bias_wd_mult: float
    use_bias: bool
    init_method: str
    init_scale: float
    init_sigma: float
    init_bias: float
    use_lr_scheduler: bool
    lr_scheduler_step: int
    lr_scheduler_factor: float
    lr_scheduler_minimum_lr: float
    normalize_data: bool
    normalize_label: bool | None  # None: auto
    unbias_data: bool | None
    unbias_label: bool | None
    num_point_for_scaler: int
    early_stopping_patience: int
    early_stopping_tolerance: float
    positive_example_weight_mult: float | str | None  # a weight, "balanced" or None: auto
    balance_multiclass_weights: bool
    selection: BinaryCriterion
    num_calibration_samples: int
    losses: LossSettings
    seed: int = 0

    @property
    def outputs(self) -> int:
        return self.num_classes if self.predictor_type == "multiclass_classifier" else 1

    def resolved_loss(self) -> str:
        return check_loss(self.loss, self.predictor_type)


@dataclass
class _Scaler:
    feature_shift: np.ndarray
    feature_scale: np.ndarray
    label_shift: float = 0.0
    label_scale: float = 1.0

    def features(self, x: Matrix) -> np.ndarray:
        dense = x.toarray() if sp.issparse(x) else np.asarray(x, np.float64)
        return (dense - self.feature_shift) / self.feature_scale

    def labels(self, y: np.ndarray) -> np.ndarray:
        return (y - self.label_shift) / self.label_scale

    def to_raw(self, weights: np.ndarray, bias: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Weights and bias of the same model over raw features and labels."""
        raw_weights = weights / self.feature_scale[:, None]
        raw_bias = bias - self.feature_shift @ raw_weights
        return raw_weights * self.label_scale, raw_bias * self.label_scale + self.label_shift


def fit_scaler(x: Matrix, y: np.ndarray, settings: LinearLearnerSettings) -> _Scaler:
    sample = x[: settings.num_point_for_scaler]
    dense = sample.toarray() if sp.issparse(sample) else np.asarray(sample, np.float64)
    dim = dense.shape[1]
    unbias = settings.unbias_data if settings.unbias_data is not None else not sp.issparse(x)
    shift = dense.mean(axis=0) if settings.normalize_data and unbias else np.zeros(dim)
    if settings.normalize_data:
        spread = np.sqrt(((dense - shift) ** 2).mean(axis=0))
        scale = np.where(spread > 0, spread, 1.0)
    else:
        scale = np.ones(dim)
    scaler = _Scaler(shift, scale)
    regressor = settings.predictor_type == "regressor"
    normalize_label = regressor if settings.normalize_label is None else settings.normalize_label
    if normalize_label and regressor:
        labels = y[: settings.num_point_for_scaler]
        unbias_label = settings.unbias_label if settings.unbias_label is not None else True
        scaler.label_shift = float(labels.mean()) if unbias_label else 0.0
        spread = float(np.sqrt(((labels - scaler.label_shift) ** 2).mean()))
        scaler.label_scale = spread if spread > 0 else 1.0
    return scaler


def _class_weights(y: np.ndarray, settings: LinearLearnerSettings, models: int) -> np.ndarray:
    """(models, rows) example weights."""
    weights = np.ones((models, len(y)))
    if settings.predictor_type == "binary_classifier":
        positives = max(float((y == 1).sum()), 1.0)
        balanced = float((y != 1).sum()) / positives
        mult = settings.positive_example_weight_mult
        if mult == "balanced":
            weights[:, y == 1] = balanced
        elif mult is None:  # auto: half the models balance the classes
            weights[1::2][:, y == 1] = balanced
        else:
            weights[:, y == 1] = float(mult)
    elif settings.predictor_type == "multiclass_classifier" and settings.balance_multiclass_weights:
        counts = np.bincount(y.astype(np.int64), minlength=settings.num_classes).astype(float)
        per_class = len(y) / (settings.num_classes * np.maximum(counts, 1.0))
        weights[:] = per_class[y.astype(np.int64)]
    return weights


class _Optimizer:
    """One optimiser state for all models: parameters (models, dim + 1, outputs), the last
    row being the bias."""

    def __init__(
        self,
        settings: LinearLearnerSettings,
        rates: np.ndarray,
        decays: np.ndarray,
        l1: np.ndarray,
        shape: tuple[int, ...],
    ) -> None:
        self.settings = settings
        self.kind = "adam" if settings.optimizer == "auto" else settings.optimizer
        self.rates, self.decays, self.l1 = rates, decays, l1
        self.first = np.zeros(shape)
        self.second = np.zeros(shape)
        self.steps = 0
        # Per-parameter multipliers: the bias row learns faster and decays less.
        self.rate_mult = np.ones(shape[1])
        self.decay_mult = np.ones(shape[1])
        self.rate_mult[-1] = settings.bias_lr_mult
        self.decay_mult[-1] = settings.bias_wd_mult

    def learning_rates(self) -> np.ndarray:
        s = self.settings
        if not s.use_lr_scheduler:
            return self.rates
        factor = s.lr_scheduler_factor ** (self.steps // s.lr_scheduler_step)
        return np.maximum(self.rates * factor, s.lr_scheduler_minimum_lr)

    def step(self, params: np.ndarray, gradient: np.ndarray) -> None:
        s = self.settings
        rates = self.learning_rates()[:, None, None] * self.rate_mult[None, :, None]
        gradient = gradient + self.decays[:, None, None] * self.decay_mult[None, :, None] * params
        self.steps += 1
        if self.kind == "sgd":
            self.first = s.momentum * self.first - rates * gradient
            params += self.first
        elif self.kind == "rmsprop":
            self.second = s.beta_2 * self.second + (1 - s.beta_2) * gradient**2
            self.first = s.momentum * self.first - rates * gradient / (np.sqrt(self.second) + 1e-8)
            params += self.first
        else:  # adam
            self.first = s.beta_1 * self.first + (1 - s.beta_1) * gradient
            self.second = s.beta_2 * self.second + (1 - s.beta_2) * gradient**2
            first = self.first / (1 - s.beta_1**self.steps)
            second = self.second / (1 - s.beta_2**self.steps)
            params -= rates * first / (np.sqrt(second) + 1e-8)
        if self.l1.any():  # proximal step: soft-threshold the weights (not the bias)
            shrink = (rates * self.l1[:, None, None])[:, :-1]
            weights = params[:, :-1]
            params[:, :-1] = np.sign(weights) * np.maximum(np.abs(weights) - shrink, 0.0)


def _model_grid(settings: LinearLearnerSettings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    count = settings.num_models or AUTO_MODELS
    kind = "adam" if settings.optimizer == "auto" else settings.optimizer
    base = settings.learning_rate or AUTO_LEARNING_RATE[kind]
    factors = np.array([_RATE_FACTORS[m % len(_RATE_FACTORS)] for m in range(count)])
    rates = base * factors
    decays = np.array(
        [
            settings.wd if settings.wd or m == 0 else _DECAYS[(m // 2) % len(_DECAYS)]
            for m in range(count)
        ]
    )
    l1 = np.full(count, settings.l1)
    return rates, decays, l1


def _with_bias(x: np.ndarray) -> np.ndarray:
    return np.hstack([x, np.ones((len(x), 1))])


class LinearLearnerTrainer:
    """Trains ``num_models`` models together; see the module docstring."""

    def __init__(self, settings: LinearLearnerSettings, log: Callable[[str], None] = print):
        self.settings = settings
        self.loss_name = settings.resolved_loss()
        self.loss = make_loss(self.loss_name, settings.losses)
        self.log = log

    def _initial(self, models: int, dim: int) -> np.ndarray:
        s = self.settings
        rng = np.random.default_rng(s.seed)
        shape = (models, dim + 1, s.outputs)
        if s.init_method == "normal":
            params = rng.normal(0.0, s.init_sigma, size=shape)
        else:
            params = rng.uniform(-s.init_scale, s.init_scale, size=shape)
        params[:, -1, :] = s.init_bias if s.use_bias else 0.0
        return params

    def _scores(self, params: np.ndarray, x: np.ndarray) -> np.ndarray:
        models, rows = params.shape[0], params.shape[1]
        flat = params.transpose(1, 0, 2).reshape(rows, -1)
        return (x @ flat).reshape(len(x), models, -1).transpose(1, 0, 2)

    def _mean_loss(self, params, x, y, weights) -> np.ndarray:
        losses, _ = self.loss(self._scores(params, x), y)
        return (losses * weights).sum(axis=1) / weights.sum(axis=1)

    def fit(
        self,
        x: Matrix,
        y: np.ndarray,
        validation: tuple[Matrix, np.ndarray] | None = None,
    ) -> tuple[LinearModel, dict[str, float]]:
        s = self.settings
        self._check_labels(y, "train")
        scaler = fit_scaler(x, y, s)
        xs, ys = _with_bias(scaler.features(x)), scaler.labels(y)
        rates, decays, l1 = _model_grid(s)
        models = len(rates)
        weights = _class_weights(y, s, models)
        params = self._initial(models, xs.shape[1] - 1)
        optimizer = _Optimizer(s, rates, decays, l1, params.shape)
        if validation is not None:
            self._check_labels(validation[1], "validation")
            watch_x = _with_bias(scaler.features(validation[0]))
            watch_y = scaler.labels(validation[1])
            watch_w = _class_weights(validation[1], s, models)
        else:
            watch_x, watch_y, watch_w = xs, ys, weights
        best_loss = np.full(models, math.inf)
        best_params = params.copy()
        stale = 0
        rng = np.random.default_rng(s.seed + 1)
        for epoch in range(s.epochs):
            order = rng.permutation(len(ys))
            for start in range(0, len(order), s.mini_batch_size):
                rows = order[start : start + s.mini_batch_size]
                batch_w = weights[:, rows]
                _, dz = self.loss(self._scores(params, xs[rows]), ys[rows])
                dz = dz * (batch_w / batch_w.sum(axis=1, keepdims=True))[..., None]
                gradient = np.einsum("bd,mbc->mdc", xs[rows], dz)
                if not s.use_bias:
                    gradient[:, -1, :] = 0.0
                optimizer.step(params, gradient)
            epoch_loss = self._mean_loss(params, watch_x, watch_y, watch_w)
            improved = epoch_loss < best_loss * (1 - s.early_stopping_tolerance)
            better = epoch_loss < best_loss
            best_params[better] = params[better]
            best_loss = np.minimum(best_loss, epoch_loss)
            stale = 0 if improved.any() else stale + 1
            self.log(
                f"epoch {epoch + 1}: best model loss {best_loss.min():.6g} "
                f"({'validation' if validation is not None else 'train'})"
            )
            if stale >= s.early_stopping_patience:
                self.log(f"early stopping after epoch {epoch + 1}")
                break
        return self._select(best_params, scaler, x, y, validation)

    def _check_labels(self, y: np.ndarray, channel: str) -> None:
        s = self.settings
        if s.predictor_type == "binary_classifier" and not np.isin(y, (0.0, 1.0)).all():
            bad = y[~np.isin(y, (0.0, 1.0))][0]
            raise ValueError(f"{channel}: a binary_classifier needs labels 0 or 1, found {bad}")
        if s.predictor_type == "multiclass_classifier":
            valid = (y == np.round(y)) & (y >= 0) & (y < s.num_classes)
            if not valid.all():
                raise ValueError(
                    f"{channel}: labels must be integers in 0..{s.num_classes - 1} "
                    f"(num_classes), found {y[~valid][0]}"
                )

    def _select(self, params, scaler, x, y, validation):
        s = self.settings
        select_x, select_y = validation if validation is not None else (x, y)
        candidates = []
        for m in range(params.shape[0]):
            weights, bias = scaler.to_raw(params[m, :-1], params[m, -1])
            model = LinearModel(s.predictor_type, self.loss_name, weights, bias, 0.5, s.outputs)
            candidates.append((self._score_model(model, select_x, select_y), m, model))
        value, index, model = max(candidates, key=lambda c: (c[0], -c[1]))
        self.log(f"selected model {index} of {len(candidates)} (criterion value {value:.6g})")
        channel = "validation" if validation is not None else "train"
        return model, self._metrics(model, select_x, select_y, channel)

    def _score_model(self, model: LinearModel, x: Matrix, y: np.ndarray) -> float:
        """Higher is better; calibrates ``model.threshold`` for binary classifiers."""
        s = self.settings
        z = model.scores(x)
        if s.predictor_type == "multiclass_classifier":
            return float((z.argmax(axis=1) == y).mean())
        if s.predictor_type == "regressor":
            losses, _ = self.loss(z[None], y)
            return -float(losses.mean())
        score = sigmoid(z[:, 0]) if model.loss == "logistic" else z[:, 0]
        criterion = s.selection
        model.threshold = 0.5 if model.loss == "logistic" else 0.0
        if criterion.name == "loss_function":
            losses, _ = self.loss(z[None], y)
            return -float(losses.mean())
        if criterion.name == "cross_entropy_loss":
            p = np.clip(sigmoid(z[:, 0]), 1e-15, 1 - 1e-15)
            return float(np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
        sample = slice(0, s.num_calibration_samples)
        calibration = calibrate(score[sample], y[sample], criterion)
        model.threshold = calibration.threshold
        return calibration.value

    def _metrics(self, model: LinearModel, x: Matrix, y: np.ndarray, channel: str):
        return evaluate(model, x, y, channel, self.loss, self.settings)


def evaluate(
    model: LinearModel,
    x: Matrix,
    y: np.ndarray,
    channel: str,
    loss=None,
    settings: LinearLearnerSettings | None = None,
) -> dict[str, float]:
    """The container's metrics of ``model`` on one channel, named ``<channel>:<metric>``."""
    if loss is None:
        assert settings is not None
        loss = make_loss(model.loss, settings.losses)
    z = model.scores(x)
    losses, _ = loss(z[None], y)
    metrics = {"objective_loss": float(losses.mean())}
    if model.predictor_type == "regressor":
        residual = z[:, 0] - y
        metrics.update(
            mse=float((residual**2).mean()), absolute_loss=float(np.abs(residual).mean())
        )
        metrics["rmse"] = math.sqrt(metrics["mse"])
    elif model.predictor_type == "multiclass_classifier":
        metrics["multiclass_accuracy"] = float((z.argmax(axis=1) == y).mean())
        probabilities = softmax(z)
        metrics["multiclass_cross_entropy_loss"] = float(
            -np.log(np.maximum(probabilities[np.arange(len(y)), y.astype(int)], 1e-300)).mean()
        )
    else:
        predicted = model.predict(x)["predicted_label"]
        true_positive = float(((predicted == 1) & (y == 1)).sum())
        metrics["binary_classification_accuracy"] = float((predicted == y).mean())
        metrics["precision"] = true_positive / max(float((predicted == 1).sum()), 1.0)
        metrics["recall"] = true_positive / max(float((y == 1).sum()), 1.0)
    return {f"{channel}:{name}": value for name, value in metrics.items()}
