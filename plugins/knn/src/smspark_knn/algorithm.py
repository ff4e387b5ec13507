"""k-nearest neighbours in numpy: what the local ``knn`` image trains and serves.

Training follows the service's three steps: a uniform sample of ``sample_size`` rows
(streamed: each row gets a seeded random key and the rows of the smallest keys are kept,
so memory is the sample, never the channel), an optional dimension reduction (``sign``: a
random +-1 projection; ``fjlt``: a subsampled randomized Hadamard transform, the fast
Johnson-Lindenstrauss transform of Ailon and Chazelle), and an index over the sample.

The index types map onto searches this image implements itself (no faiss):

* ``faiss.Flat``: exact search over every sampled point (queries scored in chunks of about
  4 million distances);
* ``faiss.IVFFlat``: an inverted file. k-means (Lloyd, k-means++ start) puts ``nlists``
  coarse centroids over the sample; a query scans only the points of its ``nprobe``
  nearest lists (more lists when they hold fewer than k points), exactly;
* ``faiss.IVFPQ``: the same inverted file with product quantization (Jegou et al., 2011):
  each point's residual to its list centroid is cut into ``m`` sub-vectors, each coded by
  the nearest of up to 256 centroids of its sub-space; a query ranks the points of its
  probed lists by the asymmetric distance to their codes, then re-ranks the
  ``RERANK`` x k best exactly (the sample is kept, so the answers carry exact distances).

Metrics as faiss reports them: ``L2`` gives squared Euclidean distances, nearest first;
``INNER_PRODUCT`` inner products, largest first; ``COSINE`` the inner products of
L2-normalised vectors (cosine similarities), largest first. The classifier predicts the
majority label of the k neighbours (a tie goes to the tied label with the nearest
neighbour); the regressor the mean of their labels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from smspark_knn.hyperparameters import PQ_M_VALUES

Features = np.ndarray | sp.csr_matrix
SCORES_PER_CHUNK = 1 << 22  # distances computed at once (32 MB), never rows x sample
KMEANS_ITERATIONS = 25
PQ_CENTROIDS = 256  # codes are one byte per sub-vector, as faiss's 8-bit PQ
PQ_TRAINING_ROWS = 64 * PQ_CENTROIDS  # sub-quantizers learn from at most this many residuals
RERANK = 4  # IVFPQ: candidates re-ranked exactly per neighbour asked


# ------------------------------------------------------------------------------ sampling


class UniformSample:
    """A uniform sample without replacement of at most ``size`` rows of a stream: every
    row gets a random key, the ``size`` smallest keys win (bottom-k sampling, equivalent to
    a reservoir). Memory is the sample and one batch."""

    def __init__(self, size: int, rng: np.random.Generator) -> None:
        self.size = size
        self.rng = rng
        self.keys = np.zeros(0)
        self.rows: np.ndarray | None = None
        self.labels = np.zeros(0)

    def add(self, rows: np.ndarray, labels: np.ndarray) -> None:
        keys = self.rng.random(len(rows))
        if self.rows is None:
            all_keys, all_rows, all_labels = keys, rows, labels
        else:
            all_keys = np.concatenate([self.keys, keys])
            all_rows = np.vstack([self.rows, rows])
            all_labels = np.concatenate([self.labels, labels])
        if len(all_keys) > self.size:
            keep = np.argpartition(all_keys, self.size - 1)[: self.size]
            all_keys, all_rows, all_labels = all_keys[keep], all_rows[keep], all_labels[keep]
        self.keys, self.rows, self.labels = all_keys, all_rows, all_labels


# ------------------------------------------------------------------- dimension reduction


def _hadamard(x: np.ndarray) -> np.ndarray:
    """The orthonormal Walsh-Hadamard transform of each row (width a power of 2), in
    O(width log width) per row."""
    y = x.copy()
    n, width = y.shape
    h = 1
    while h < width:
        y = y.reshape(n, width // (2 * h), 2, h)
        a, b = y[:, :, 0, :].copy(), y[:, :, 1, :].copy()
        y[:, :, 0, :], y[:, :, 1, :] = a + b, a - b
        y = y.reshape(n, width)
        h *= 2
    return y / math.sqrt(width)


@dataclass
class Projection:
    """A linear map from ``input_dim`` to ``target_dim`` that preserves L2 distances and
    inner products in expectation. ``sign``: ``matrix`` (input_dim, target_dim) of +-1 /
    sqrt(target_dim). ``fjlt``: random signs on the input padded to a power of 2, the
    Hadamard transform, then ``target_dim`` of its coordinates scaled by
    sqrt(padded / target_dim)."""

    kind: str
    input_dim: int
    target_dim: int
    seed: int
    matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    signs: np.ndarray = field(default_factory=lambda: np.zeros(0))
    coordinates: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    @classmethod
    def random(cls, kind: str, input_dim: int, target_dim: int, seed: int) -> Projection:
        rng = np.random.default_rng(seed)
        if kind == "sign":
            signs = rng.choice([-1.0, 1.0], size=(input_dim, target_dim))
            return cls(kind, input_dim, target_dim, seed, matrix=signs / math.sqrt(target_dim))
        padded = 1 << max(0, (input_dim - 1).bit_length())
        return cls(
            kind,
            input_dim,
            target_dim,
            seed,
            signs=rng.choice([-1.0, 1.0], size=padded),
            coordinates=np.sort(rng.choice(padded, size=min(target_dim, padded), replace=False)),
        )

    def apply(self, x: Features) -> np.ndarray:
        if self.kind == "sign":
            return np.asarray(x @ self.matrix)
        dense = x.toarray() if sp.issparse(x) else np.asarray(x, dtype=np.float64)
        padded = np.zeros((dense.shape[0], len(self.signs)))
        padded[:, : self.input_dim] = dense
        mixed = _hadamard(padded * self.signs)
        scale = math.sqrt(len(self.signs) / len(self.coordinates))
        projected = mixed[:, self.coordinates] * scale
        if projected.shape[1] < self.target_dim:  # target above the padded width: zeros
            projected = np.hstack(
                [projected, np.zeros((len(dense), self.target_dim - projected.shape[1]))]
            )
        return projected


# ----------------------------------------------------------------------------- k-means


def kmeans(
    points: np.ndarray, clusters: int, rng: np.random.Generator, iterations: int = KMEANS_ITERATIONS
) -> np.ndarray:
    """``clusters`` centroids of ``points`` by Lloyd's algorithm from a k-means++ start; an
    emptied cluster is re-seeded at the point farthest from its centroid."""
    n = len(points)
    clusters = min(clusters, n)
    centroids = np.empty((clusters, points.shape[1]))
    centroids[0] = points[rng.integers(n)]
    closest = ((points - centroids[0]) ** 2).sum(axis=1)
    for c in range(1, clusters):
        total = closest.sum()
        pick = rng.choice(n, p=closest / total) if total > 0 else rng.integers(n)
        centroids[c] = points[pick]
        closest = np.minimum(closest, ((points - centroids[c]) ** 2).sum(axis=1))
    for _ in range(iterations):
        assignment, distances = nearest_centroid(points, centroids)
        counts = np.bincount(assignment, minlength=clusters)
        sums = np.zeros_like(centroids)
        np.add.at(sums, assignment, points)
        moved = np.where(counts[:, None] > 0, sums / np.maximum(counts, 1)[:, None], centroids)
        for empty in np.flatnonzero(counts == 0):
            farthest = int(distances.argmax())
            moved[empty], distances[farthest] = points[farthest], 0.0
        if np.allclose(moved, centroids):
            break
        centroids = moved
    return centroids


def nearest_centroid(points: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each point's nearest centroid (L2) and the squared distance to it, in chunks."""
    assignment = np.empty(len(points), np.int64)
    distances = np.empty(len(points))
    step = _chunk(len(centroids))
    for start in range(0, len(points), step):
        d2 = _squared_l2(points[start : start + step], centroids)
        assignment[start : start + step] = d2.argmin(axis=1)
        distances[start : start + step] = d2.min(axis=1)
    return assignment, distances


def _chunk(columns: int) -> int:
    """Rows scored at once against ``columns`` points."""
    return max(1, SCORES_PER_CHUNK // max(columns, 1))


def _squared_l2(queries: np.ndarray, points: np.ndarray, point_norms=None) -> np.ndarray:
    norms = (points * points).sum(axis=1) if point_norms is None else point_norms
    d2 = (queries * queries).sum(axis=1)[:, None] - 2.0 * queries @ points.T + norms[None, :]
    return np.maximum(d2, 0.0)


# ------------------------------------------------------------------------------- index


def normalized(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms == 0, 1.0, norms)


def default_pq_m(dim: int) -> int:
    """This image's choice when ``faiss_index_pq_m`` is not given (the service documents no
    default): the largest allowed value giving sub-vectors of at least 4 dimensions."""
    return max(m for m in PQ_M_VALUES if m == 1 or m * 4 <= dim)


@dataclass
class ProductQuantizer:
    """``codebooks`` (m, centroids, sub-dimension): the centroids of each sub-space of the
    (zero-padded) residuals."""

    codebooks: np.ndarray

    @property
    def width(self) -> int:
        return self.codebooks.shape[0] * self.codebooks.shape[2]

    def _split(self, x: np.ndarray) -> np.ndarray:
        padded = np.zeros((len(x), self.width))
        padded[:, : x.shape[1]] = x
        return padded.reshape(len(x), self.codebooks.shape[0], self.codebooks.shape[2])

    def encode(self, residuals: np.ndarray) -> np.ndarray:
        parts = self._split(residuals)
        return np.stack(
            [nearest_centroid(parts[:, j], book)[0] for j, book in enumerate(self.codebooks)],
            axis=1,
        ).astype(np.uint8)

    def distances(self, residual: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """Squared L2 from one query residual to each code (the asymmetric distance)."""
        part = self._split(residual[None, :])[0]  # (m, sub-dimension)
        tables = ((self.codebooks - part[:, None, :]) ** 2).sum(axis=2)  # (m, centroids)
        return tables[np.arange(len(tables)), codes].sum(axis=1)


def train_pq(residuals: np.ndarray, m: int, rng: np.random.Generator) -> ProductQuantizer:
    sub = -(-residuals.shape[1] // m)  # the dimension padded to a multiple of m
    rows = residuals
    if len(rows) > PQ_TRAINING_ROWS:
        rows = rows[rng.choice(len(rows), PQ_TRAINING_ROWS, replace=False)]
    padded = np.zeros((len(rows), m * sub))
    padded[:, : rows.shape[1]] = rows
    parts = padded.reshape(len(rows), m, sub)
    centroids = min(PQ_CENTROIDS, len(rows))
    books = [kmeans(parts[:, j], centroids, rng, iterations=10) for j in range(m)]
    width = max(len(b) for b in books)
    books = [np.vstack([b, np.repeat(b[-1:], width - len(b), axis=0)]) for b in books]
    return ProductQuantizer(np.stack(books))


@dataclass
class KNNIndex:
    """The sampled points (reduced, normalised for COSINE) and, for the IVF types, their
    coarse centroids and list of each point."""

    metric: str
    points: np.ndarray
    index_type: str = "faiss.Flat"
    centroids: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    assignment: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    nprobe: int = 1
    pq: ProductQuantizer | None = None
    codes: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.uint8))

    def __post_init__(self) -> None:
        self.norms = (self.points * self.points).sum(axis=1)
        order = np.argsort(self.assignment, kind="stable")
        bounds = np.searchsorted(self.assignment[order], np.arange(len(self.centroids) + 1))
        self.lists = [order[bounds[c] : bounds[c + 1]] for c in range(len(self.centroids))]

    def _scores(self, queries: np.ndarray, ids: np.ndarray | None = None) -> np.ndarray:
        """Distances (L2) or similarities (the others): smaller-is-nearer for L2 only."""
        points = self.points if ids is None else self.points[ids]
        if self.metric == "L2":
            norms = self.norms if ids is None else self.norms[ids]
            return _squared_l2(queries, points, norms)
        return queries @ points.T

    def _best(self, scores: np.ndarray, k: int) -> np.ndarray:
        """Column positions of the k nearest per row, nearest first."""
        keyed = scores if self.metric == "L2" else -scores
        if k < keyed.shape[1]:
            top = np.argpartition(keyed, k - 1, axis=1)[:, :k]
        else:
            top = np.tile(np.arange(keyed.shape[1]), (len(keyed), 1))
        order = np.argsort(np.take_along_axis(keyed, top, axis=1), axis=1, kind="stable")
        return np.take_along_axis(top, order, axis=1)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(distances, ids) of each query's k nearest sampled points, nearest first."""
        if self.metric == "COSINE":
            queries = normalized(queries)
        if self.index_type == "faiss.Flat" or not len(self.centroids):
            return self._search_flat(queries, k)
        return self._search_ivf(queries, k)

    def _search_flat(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        distances, ids = [], []
        step = _chunk(len(self.points))
        for start in range(0, len(queries), step):
            scores = self._scores(queries[start : start + step])
            best = self._best(scores, k)
            ids.append(best)
            distances.append(np.take_along_axis(scores, best, axis=1))
        if not ids:
            return np.zeros((0, k)), np.zeros((0, k), np.int64)
        return np.vstack(distances), np.vstack(ids)

    def _search_ivf(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        if self.metric == "INNER_PRODUCT":
            ranking = np.argsort(-(queries @ self.centroids.T), axis=1)
        else:
            ranking = np.argsort(_squared_l2(queries, self.centroids), axis=1)
        distances = np.empty((len(queries), k))
        ids = np.empty((len(queries), k), np.int64)
        for row, lists in enumerate(ranking):
            probed = self.nprobe
            while sum(len(self.lists[c]) for c in lists[:probed]) < k:
                probed += 1  # too few points in the nearest lists: probe the next ones
            candidates = np.concatenate([self.lists[c] for c in lists[:probed]])
            if self.pq is not None:
                candidates = self._shortlist(queries[row], lists[:probed], candidates, k)
            scores = self._scores(queries[row : row + 1], candidates)
            best = self._best(scores, k)[0]
            ids[row], distances[row] = candidates[best], scores[0, best]
        return distances, ids

    def _shortlist(
        self, query: np.ndarray, lists: np.ndarray, candidates: np.ndarray, k: int
    ) -> np.ndarray:
        """The ``RERANK`` x k candidates nearest by their codes (asymmetric distances)."""
        if len(candidates) <= RERANK * k:
            return candidates
        coded = np.concatenate(
            [self.pq.distances(query - self.centroids[c], self.codes[self.lists[c]]) for c in lists]
        )
        return candidates[np.argpartition(coded, RERANK * k - 1)[: RERANK * k]]


def build_index(
    points: np.ndarray,
    metric: str,
    index_type: str,
    nlists: int | None,
    seed: int,
    pq_m: int | None = None,
) -> KNNIndex:
    """The index of ``points``; ``nlists`` None is the service's ``auto``: sqrt(points);
    ``pq_m`` None (IVFPQ) is ``default_pq_m``."""
    if metric == "COSINE":
        points = normalized(points)
    if index_type == "faiss.Flat":
        return KNNIndex(metric, points, index_type)
    lists = nlists if nlists is not None else max(1, int(math.sqrt(len(points))))
    lists = min(lists, len(points))
    centroids = kmeans(points, lists, np.random.default_rng(seed))
    if metric == "INNER_PRODUCT":
        assignment = np.argmax(points @ centroids.T, axis=1)
    else:
        assignment = nearest_centroid(points, centroids)[0]
    nprobe = max(1, round(math.sqrt(len(centroids))))
    if index_type != "faiss.IVFPQ":
        return KNNIndex(metric, points, index_type, centroids, assignment, nprobe)
    residuals = points - centroids[assignment]
    rng = np.random.default_rng(seed + 1)
    pq = train_pq(residuals, pq_m or default_pq_m(points.shape[1]), rng)
    codes = pq.encode(residuals)
    return KNNIndex(metric, points, index_type, centroids, assignment, nprobe, pq, codes)


# ---------------------------------------------------------------------------- predict


def vote(neighbour_labels: np.ndarray) -> np.ndarray:
    """Each row's most frequent label (rows ordered nearest first); a tie goes to the tied
    label whose first neighbour is nearest."""
    predicted = np.empty(len(neighbour_labels))
    for row, labels in enumerate(neighbour_labels):
        values, first, counts = np.unique(labels, return_index=True, return_counts=True)
        tied = counts == counts.max()
        predicted[row] = values[tied][np.argmin(first[tied])]
    return predicted


@dataclass
class KNNModel:
    """What serving needs: k, the predictor type, the index, the sample's labels and the
    projection (None without dimension reduction)."""

    k: int
    predictor_type: str
    index: KNNIndex
    labels: np.ndarray
    feature_dim: int
    projection: Projection | None = None

    def predict(self, x: Features, verbose: bool = False) -> dict[str, np.ndarray]:
        """``predicted_label`` per row; with ``verbose`` also the k ``distances`` (as the
        metric reports them, nearest first) and the neighbours' ``labels``."""
        if self.projection is not None:
            queries = self.projection.apply(x)
        else:
            queries = x.toarray() if sp.issparse(x) else np.asarray(x, dtype=np.float64)
        k = min(self.k, len(self.labels))
        distances, ids = self.index.search(queries, k)
        neighbour_labels = self.labels[ids]
        if self.predictor_type == "classifier":
            predicted = vote(neighbour_labels)
        else:
            predicted = neighbour_labels.mean(axis=1)
        results = {"predicted_label": predicted}
        if verbose:
            results.update(distances=distances, labels=neighbour_labels)
        return results
