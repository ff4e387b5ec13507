"""Synthetic data drawn from a known factorization machine, and its encodings, for the
Factorization Machines tests."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from smspark_factorizationmachines.algorithm import FactorizationMachine, sigmoid

from smspark_core.codecs import amazon_record


def generating_model(
    feature_dim: int = 200, factors: int = 4, seed: int = 7, predictor_type: str = "regressor"
) -> FactorizationMachine:
    """Linear weights N(0, 1) and factors N(0, 0.486): with 10 active binary features per
    row the linear and the pairwise parts have about the same variance (10 vs 45 * 4 *
    0.486^4), so a linear model can explain about half of the signal."""
    rng = np.random.default_rng(seed)
    return FactorizationMachine(
        predictor_type,
        0.0,
        rng.normal(0.0, 1.0, feature_dim),
        rng.normal(0.0, 0.486, (feature_dim, factors)),
    )


def binary_rows(rows: int, feature_dim: int, seed: int, active: int = 10) -> sp.csr_matrix:
    """``active`` distinct features set to 1 in each row."""
    rng = np.random.default_rng(seed)
    if feature_dim <= 5000:
        columns = np.argsort(rng.random((rows, feature_dim)), axis=1)[:, :active]
    else:  # very wide: no rows x feature_dim matrix of random keys
        columns = np.array([rng.choice(feature_dim, active, replace=False) for _ in range(rows)])
    columns.sort(axis=1)
    indptr = np.arange(0, rows * active + 1, active)
    return sp.csr_matrix((np.ones(rows * active), columns.ravel(), indptr), (rows, feature_dim))


def regression_data(model: FactorizationMachine, rows: int, seed: int, noise: float = 0.5):
    x = binary_rows(rows, model.feature_dim, seed)
    rng = np.random.default_rng(seed + 1000)
    return x, model.raw(x) + rng.normal(0.0, noise, rows)


def classification_data(model: FactorizationMachine, rows: int, seed: int):
    """Labels drawn from the logistic link; also the generating probabilities."""
    x = binary_rows(rows, model.feature_dim, seed)
    p = sigmoid(model.raw(x))
    return x, (np.random.default_rng(seed + 1000).random(rows) < p) * 1.0, p


def sparse_recordio(x: sp.csr_matrix, labels: np.ndarray | None = None) -> bytes:
    stream, _ = amazon_record.sparse_records(
        x.indptr, x.indices, x.data, np.full(x.shape[0], x.shape[1]), labels
    )
    return bytes(stream)


def dense_recordio(x, labels: np.ndarray | None = None) -> bytes:
    dense = x.toarray() if sp.issparse(x) else np.asarray(x)
    return amazon_record.dense_records(dense, labels).tobytes()


def r2(predicted: np.ndarray, actual: np.ndarray) -> float:
    return float(1 - ((predicted - actual) ** 2).sum() / ((actual - actual.mean()) ** 2).sum())
