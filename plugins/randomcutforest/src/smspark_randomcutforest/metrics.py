"""The test channel's metrics, computed as the service documents them.

"RCF calculates anomaly scores for test data points and then labels the data points as
anomalous if their scores are beyond three standard deviations from the mean score. This is
known as the three-sigma limit heuristic. The F1-score is based on the difference between
calculated labels and actual labels" (AWS, *Tune an RCF Model*; the objective metric is
``test:f1``). Labels are 1 for an anomaly and 0 for a normal point (AWS, *Random Cut Forest*,
Input/Output Interface). ``eval_metrics`` picks ``accuracy`` (the fraction of rows whose
computed label is their label) and ``precision_recall_fscore`` ("the positive and negative
precision, recall, and F1-scores", AWS, *RCF Hyperparameters*); both by default.

Names: ``test:f1`` is the service's; the others are this image's: ``test:accuracy``,
``test:precision``, ``test:recall`` (of the anomalies, label 1) and
``test:precision_normal``, ``test:recall_normal``, ``test:f1_normal`` (of label 0). A
precision or recall with nothing to divide by (no row computed or labelled so) is 0.
"""

from __future__ import annotations

import numpy as np

from smspark_randomcutforest.hyperparameters import EVAL_METRICS


def three_sigma_labels(scores: np.ndarray) -> np.ndarray:
    """1 where a score is more than three standard deviations above the mean score."""
    return (scores > scores.mean() + 3 * scores.std()).astype(np.float64)


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


def _precision_recall_f1(predicted: np.ndarray, labels: np.ndarray) -> tuple[float, ...]:
    hits = float((predicted & labels).sum())
    precision = _ratio(hits, float(predicted.sum()))
    recall = _ratio(hits, float(labels.sum()))
    return precision, recall, _ratio(2 * precision * recall, precision + recall)


def metrics_of(
    scores: np.ndarray, labels: np.ndarray, wanted: tuple[str, ...] = EVAL_METRICS
) -> dict[str, float]:
    """The metrics of ``wanted`` for the test rows' ``scores`` and 0/1 ``labels``."""
    predicted = three_sigma_labels(scores).astype(bool)
    truth = labels.astype(bool)
    metrics: dict[str, float] = {}
    if "accuracy" in wanted:
        metrics["test:accuracy"] = float((predicted == truth).mean())
    if "precision_recall_fscore" in wanted:
        precision, recall, f1 = _precision_recall_f1(predicted, truth)
        metrics.update({"test:precision": precision, "test:recall": recall, "test:f1": f1})
        precision, recall, f1 = _precision_recall_f1(~predicted, ~truth)
        metrics.update(
            {
                "test:precision_normal": precision,
                "test:recall_normal": recall,
                "test:f1_normal": f1,
            }
        )
    return metrics
