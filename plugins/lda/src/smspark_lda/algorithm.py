"""Latent Dirichlet allocation by online variational Bayes (Hoffman, Blei and Bach, 2010),
in numpy and scipy.sparse: what the local ``lda`` image runs.

SageMaker's own LDA uses a spectral method (tensor decomposition with alternating least
squares); this image uses variational Bayes instead, as scikit-learn does, and maps the
hyperparameters onto it (see ``LDASettings``). Documents are word-count rows. Training
streams the corpus in mini-batches: one pass counts the documents (the corpus size D of
the online update), then each pass updates the topic-word parameters ``lambda`` (K x V)
after every mini-batch with weight ``(TAU0 + t) ** -KAPPA`` (1 when one batch holds the
whole corpus: batch variational EM). Memory is ``lambda`` plus one mini-batch.

The E-step (a document's topic mixture ``gamma``) is vectorised over a batch and costs
O(K x nnz) per iteration; it also runs at inference, with the learned ``beta``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.special import digamma

TAU0, KAPPA = 1.0, 0.5  # online learning-rate schedule: rho_t = (TAU0 + t) ** -KAPPA
E_STEP_ITERATIONS, E_STEP_TOL = 100, 1e-3  # per-document updates of gamma


@dataclass(frozen=True)
class LDASettings:
    """``alpha0``: the sum of the topic-mixture prior (each topic gets alpha0 / K).
    ``max_iterations``: passes over the corpus at most; ``tol``: the relative improvement
    of the training per-word log-likelihood below which passes stop; ``max_restarts``:
    random initialisations tried on the first mini-batch, the best one kept. Their defaults
    are in ``smspark_lda.hyperparameters`` and the container's ``VARIATIONAL_DEFAULTS``."""

    num_topics: int
    feature_dim: int
    mini_batch_size: int
    alpha0: float
    max_restarts: int
    max_iterations: int
    tol: float
    seed: int = 0

    @property
    def alpha(self) -> float:
        return self.alpha0 / self.num_topics

    @property
    def eta(self) -> float:
        """The topic-word prior (1 / K, scikit-learn's default)."""
        return 1.0 / self.num_topics


def _csr(counts: np.ndarray | sp.csr_matrix) -> sp.csr_matrix:
    matrix = sp.csr_matrix(counts, dtype=np.float64)
    matrix.eliminate_zeros()
    return matrix


def _normalize(rows: np.ndarray) -> np.ndarray:
    return rows / rows.sum(axis=1, keepdims=True)


def e_step(
    counts: sp.csr_matrix, word_weights: np.ndarray, alpha: float, rng: np.random.Generator | None
) -> tuple[np.ndarray, np.ndarray]:
    """Per-document variational ``gamma`` (n, K) and the batch's sufficient statistics
    (K, V) for ``word_weights`` = exp(E[log beta]) (training) or beta (inference).

    Each document iterates until its mean absolute change of gamma is below E_STEP_TOL."""
    n, k = counts.shape[0], word_weights.shape[0]
    rows = np.repeat(np.arange(n), np.diff(counts.indptr))
    columns, values = counts.indices, counts.data
    gamma = rng.gamma(100.0, 0.01, size=(n, k)) if rng is not None else np.ones((n, k))
    active = np.ones(n, dtype=bool)
    weights_t = word_weights[:, columns].T  # (nnz, K)
    for _ in range(E_STEP_ITERATIONS):
        theta = np.exp(digamma(gamma) - digamma(gamma.sum(axis=1, keepdims=True)))
        norm = np.einsum("ij,ij->i", theta[rows], weights_t) + 1e-100
        scaled = sp.csr_matrix((values / norm, columns, counts.indptr), shape=counts.shape)
        updated = alpha + theta * np.asarray(scaled @ word_weights.T)
        change = np.abs(updated - gamma).mean(axis=1)
        gamma = np.where(active[:, None], updated, gamma)
        active &= change >= E_STEP_TOL
        if not active.any():
            break
    theta = np.exp(digamma(gamma) - digamma(gamma.sum(axis=1, keepdims=True)))
    norm = np.einsum("ij,ij->i", theta[rows], weights_t) + 1e-100
    scaled = sp.csr_matrix((values / norm, columns, counts.indptr), shape=counts.shape)
    statistics = theta.T @ scaled  # (K, V), times word_weights elementwise below
    return gamma, np.asarray(statistics) * word_weights


def log_likelihood(counts: sp.csr_matrix, mixtures: np.ndarray, beta: np.ndarray) -> float:
    """sum over words of count * log p(word | document) with p = mixtures @ beta."""
    rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    p = np.einsum("ij,ji->i", mixtures[rows], beta[:, counts.indices])
    return float((counts.data * np.log(np.maximum(p, 1e-300))).sum())


@dataclass
class LDAModel:
    """``alpha`` (K,): the Dirichlet prior of topic mixtures; ``beta`` (K, V): each
    topic's word distribution (rows sum to 1)."""

    alpha: np.ndarray
    beta: np.ndarray

    @property
    def num_topics(self) -> int:
        return self.beta.shape[0]

    def topic_mixture(self, counts: np.ndarray | sp.csr_matrix) -> np.ndarray:
        """Each document's topic proportions (n, K), rows summing to 1 (an empty document
        gets the prior's mean)."""
        matrix = _csr(counts)
        if matrix.shape[0] == 0:
            return np.zeros((0, self.num_topics))
        gamma, _ = e_step(matrix, self.beta, float(self.alpha.mean()), None)
        return _normalize(gamma)

    def per_word_log_likelihood(self, batches: Iterable[np.ndarray | sp.csr_matrix]) -> float:
        total, words = 0.0, 0.0
        for batch in batches:
            matrix = _csr(batch)
            total += log_likelihood(matrix, self.topic_mixture(matrix), self.beta)
            words += float(matrix.data.sum())
        return total / words if words else math.nan


class OnlineLDA:
    """The topic-word variational parameters and their online updates."""

    def __init__(self, settings: LDASettings, documents: int, rng: np.random.Generator):
        self.settings = settings
        self.documents = documents
        self.rng = rng
        self.lam = rng.gamma(100.0, 0.01, size=(settings.num_topics, settings.feature_dim))
        self.updates = 0

    def word_weights(self) -> np.ndarray:
        return np.exp(digamma(self.lam) - digamma(self.lam.sum(axis=1, keepdims=True)))

    def update(self, batch: sp.csr_matrix) -> None:
        _, statistics = e_step(batch, self.word_weights(), self.settings.alpha, self.rng)
        target = self.settings.eta + statistics * (self.documents / batch.shape[0])
        if batch.shape[0] >= self.documents:
            self.lam = target  # the whole corpus in one batch: batch variational EM
        else:
            rho = (TAU0 + self.updates) ** -KAPPA
            self.lam = (1 - rho) * self.lam + rho * target
        self.updates += 1

    def model(self) -> LDAModel:
        alpha = np.full(self.settings.num_topics, self.settings.alpha)
        return LDAModel(alpha, _normalize(self.lam))


def train_lda(
    batches: Callable[[], Iterable[np.ndarray | sp.csr_matrix]],
    settings: LDASettings,
    log: Callable[[str], None] = lambda _: None,
) -> LDAModel:
    """The model of the corpus that ``batches()`` streams (called once per pass)."""
    documents = sum(batch.shape[0] for batch in batches())
    if documents == 0:
        raise ValueError("the train channel holds no documents")
    rng = np.random.default_rng(settings.seed)
    first = _csr(next(iter(batches())))
    best, best_score = None, -math.inf
    for _ in range(settings.max_restarts):
        candidate = OnlineLDA(settings, documents, rng)
        candidate.update(first)
        score = candidate.model().per_word_log_likelihood([first])
        if score > best_score:
            best, best_score = candidate, score
    assert best is not None
    log(f"{documents} documents; best of {settings.max_restarts} starts: {best_score:.5f}")
    previous = -math.inf
    for iteration in range(settings.max_iterations):
        for batch in batches():
            best.update(_csr(batch))
        score = best.model().per_word_log_likelihood(batches())
        log(f"pass {iteration + 1}: training per-word log-likelihood {score:.6f}")
        if math.isfinite(previous) and abs(score - previous) <= settings.tol * abs(previous):
            break
        previous = score
    return best.model()
