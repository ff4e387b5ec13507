"""Choosing the best of the models trained in parallel, and calibrating the binary decision
threshold for ``binary_classifier_model_selection_criteria``.

For each candidate threshold (every distinct score) the confusion counts come from one
sort, so calibration is O(n log n) per model. Higher is better for every criterion except
``loss_function`` and ``cross_entropy_loss``, which are negated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Calibration:
    """A threshold and the value of the criterion there (higher is better)."""

    threshold: float
    value: float


@dataclass(frozen=True)
class BinaryCriterion:
    """``binary_classifier_model_selection_criteria`` and the values it reads (``f_beta``,
    ``target_recall``, ``target_precision``)."""

    name: str
    beta: float
    target_recall: float
    target_precision: float


def _sweep(scores: np.ndarray, labels: np.ndarray, weights: np.ndarray):
    """Thresholds (one per distinct score, descending) and the weighted confusion counts of
    ``score >= threshold``."""
    order = np.argsort(-scores, kind="stable")
    sorted_scores = scores[order]
    positive = weights[order] * (labels[order] == 1)
    negative = weights[order] * (labels[order] != 1)
    last = np.r_[np.nonzero(np.diff(sorted_scores))[0], len(scores) - 1]
    tp = np.cumsum(positive)[last]
    fp = np.cumsum(negative)[last]
    # Each threshold sits halfway to the next lower score, not on a data point, so a score
    # that moves by rounding (float32 records) stays on its side.
    distinct = sorted_scores[last]
    below = np.r_[distinct[1:], distinct[-1] - max(abs(distinct[-1]), 1.0) * 1e-6]
    return (distinct + below) / 2, tp, fp, positive.sum(), negative.sum()


def calibrate(
    scores: np.ndarray,
    labels: np.ndarray,
    criterion: BinaryCriterion,
    weights: np.ndarray | None = None,
) -> Calibration:
    """The threshold that is best for ``criterion`` on these scores (probabilities or raw
    scores); for the *_at_target_* criteria, the best one that meets the target."""
    weights = np.ones(len(scores)) if weights is None else weights
    thresholds, tp, fp, positives, negatives = _sweep(scores, labels, weights)
    tn = negatives - fp
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(tp + fp > 0, tp / (tp + fp), 1.0)
        recall = np.where(positives > 0, tp / max(positives, 1e-300), 0.0)
        if criterion.name == "accuracy":
            value = (tp + tn) / (positives + negatives)
        elif criterion.name in ("f1", "f_beta"):
            beta2 = 1.0 if criterion.name == "f1" else criterion.beta**2
            value = np.where(
                precision + recall > 0,
                (1 + beta2) * precision * recall / (beta2 * precision + recall),
                0.0,
            )
        elif criterion.name == "precision_at_target_recall":
            value = np.where(recall >= criterion.target_recall, precision, -1.0 + recall)
        elif criterion.name == "recall_at_target_precision":
            value = np.where(precision >= criterion.target_precision, recall, -1.0 + precision)
        else:
            raise ValueError(f"{criterion.name} does not calibrate a threshold")
    best = int(np.argmax(value))
    return Calibration(float(thresholds[best]), float(value[best]))
