"""PCA from a stream of mini-batches: what the local ``pca`` image runs.

* ``regular`` (and ``stable``, which the original also accepts): one pass accumulating, in
  float64, the row count, the column sums and the Gram matrix of the rows shifted by the
  first batch's mean (the shift keeps the sums well conditioned), then an exact symmetric
  eigendecomposition of the covariance (scatter) matrix.
* ``randomized``: a randomized range finder (Halko, Martinsson and Tropp, 2011) over the
  stream: one pass for ``C·Ω`` with ``num_components + extra_components`` random
  directions, ``POWER_ITERATIONS`` further passes sharpening the range, and a last pass
  projecting ``C`` onto it; never a d x d matrix.

With ``subtract_mean`` the scatter is taken about the mean, otherwise about zero. The model
is SageMaker's: ``v`` (feature_dim x num_components), ``s`` (singular values of the
centred data) and ``mean``, **ordered from the smallest to the largest component**, as the
real service orders them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

POWER_ITERATIONS = 2

Matrix = np.ndarray | sp.csr_matrix


@dataclass(frozen=True)
class PCASettings:
    """The hyperparameters that shape training, parsed from their SageMaker text (their
    defaults are the service's, in ``smspark_pca.hyperparameters``)."""

    num_components: int
    feature_dim: int
    mini_batch_size: int
    algorithm_mode: str
    subtract_mean: bool
    extra_components: int  # -1: max(10, num_components)
    seed: int = 0

    def sketch_size(self) -> int:
        """Directions of the randomized range finder (at most feature_dim)."""
        extra = (
            max(10, self.num_components) if self.extra_components == -1 else self.extra_components
        )
        return min(self.feature_dim, self.num_components + extra)


@dataclass(frozen=True)
class PCAModel:
    v: np.ndarray  # (feature_dim, num_components), smallest component first
    s: np.ndarray  # (num_components,), ascending
    mean: np.ndarray | None

    def project(self, features: Matrix) -> np.ndarray:
        projected = np.asarray(features @ self.v)
        if self.mean is not None:
            projected = projected - self.mean @ self.v
        return projected


def _check(batch: Matrix, settings: PCASettings) -> None:
    if batch.shape[1] != settings.feature_dim:
        raise ValueError(
            f"the data has {batch.shape[1]} features, feature_dim is {settings.feature_dim}"
        )


def _column_sums(batch: Matrix) -> np.ndarray:
    return np.asarray(batch.sum(axis=0)).ravel()


def _top(eigenvalues: np.ndarray, vectors: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``count`` largest eigenpairs, ascending, with a deterministic sign (each
    vector's largest-magnitude entry positive)."""
    order = np.argsort(eigenvalues)[-count:]
    values = np.maximum(eigenvalues[order], 0.0)
    chosen = vectors[:, order]
    signs = np.sign(chosen[np.abs(chosen).argmax(axis=0), np.arange(chosen.shape[1])])
    return np.sqrt(values), chosen * np.where(signs == 0, 1, signs)


def regular_pca(batches: Iterable[Matrix], settings: PCASettings) -> PCAModel:
    count, shift = 0, None
    sums = np.zeros(settings.feature_dim)
    gram = np.zeros((settings.feature_dim, settings.feature_dim))
    for batch in batches:
        if batch.shape[0] == 0:
            continue
        _check(batch, settings)
        if shift is None:
            shift = (
                _column_sums(batch) / batch.shape[0]
                if settings.subtract_mean
                else np.zeros(settings.feature_dim)
            )
        dense = batch.toarray() if sp.issparse(batch) else np.asarray(batch, np.float64)
        shifted = dense - shift
        count += len(shifted)
        sums += shifted.sum(axis=0)
        gram += shifted.T @ shifted
    if count == 0 or shift is None:
        raise ValueError("the train channel holds no rows")
    if settings.subtract_mean:
        offset = sums / count
        scatter = gram - count * np.outer(offset, offset)
        mean = shift + offset
    else:
        scatter, mean = gram, None
    eigenvalues, vectors = np.linalg.eigh((scatter + scatter.T) / 2)
    s, v = _top(eigenvalues, vectors, settings.num_components)
    return PCAModel(v, s, mean)


def randomized_pca(batches: Callable[[], Iterable[Matrix]], settings: PCASettings) -> PCAModel:
    """``batches()`` is called once per pass (2 + POWER_ITERATIONS passes)."""
    rng = np.random.default_rng(settings.seed)
    count = 0
    sums = np.zeros(settings.feature_dim)
    basis = rng.standard_normal((settings.feature_dim, settings.sketch_size()))

    def scatter_times(directions: np.ndarray) -> np.ndarray:
        """(X - mean)ᵀ(X - mean) @ directions, over one pass of the stream."""
        nonlocal count, sums
        product = np.zeros_like(directions)
        rows, column_sums = 0, np.zeros(settings.feature_dim)
        for batch in batches():
            if batch.shape[0] == 0:
                continue
            _check(batch, settings)
            product += np.asarray(batch.T @ np.asarray(batch @ directions))
            rows += batch.shape[0]
            column_sums += _column_sums(batch)
        count, sums = rows, column_sums
        if rows == 0:
            raise ValueError("the train channel holds no rows")
        if settings.subtract_mean:
            mean = sums / rows
            product -= rows * np.outer(mean, mean @ directions)
        return product

    for _ in range(1 + POWER_ITERATIONS):
        basis, _ = np.linalg.qr(scatter_times(basis))
    small = basis.T @ scatter_times(basis)
    eigenvalues, vectors = np.linalg.eigh((small + small.T) / 2)
    s, chosen = _top(eigenvalues, vectors, settings.num_components)
    v = basis @ chosen
    signs = np.sign(v[np.abs(v).argmax(axis=0), np.arange(v.shape[1])])
    return PCAModel(
        v * np.where(signs == 0, 1, signs), s, sums / count if settings.subtract_mean else None
    )


def train_pca(batches: Callable[[], Iterable[Matrix]], settings: PCASettings) -> PCAModel:
    if settings.num_components > settings.feature_dim:
        raise ValueError(
            f"num_components {settings.num_components} exceeds feature_dim {settings.feature_dim}"
        )
    if settings.algorithm_mode == "randomized":
        return randomized_pca(batches, settings)
    return regular_pca(batches(), settings)
