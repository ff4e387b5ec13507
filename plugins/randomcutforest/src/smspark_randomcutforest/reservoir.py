"""The trees' samples, drawn from a stream of mini-batches in memory proportional to the
forest, not to the data.

``Reservoir`` keeps a uniform sample without replacement of ``capacity`` rows
(``num_trees x num_samples_per_tree``): every row gets a seeded uniform random key as it
arrives and the rows with the smallest keys stay (bottom-k sampling, a reservoir sample).
Rows whose key beats the current largest kept key wait in a buffer of at most a quarter of
the capacity and are merged in when it fills, so that each arriving row costs O(1) however
large the reservoir. Only those rows are densified, never a whole sparse batch. The keys come
from one generator in row order and the sample is handed out in key order, so it does not
depend on how the channel was cut into batches or files.

``tree_samples`` then deals the kept rows out to the trees, as the service documents: "a
random sample of the input data is first determined; the random sample is then partitioned
according to the number of trees in the forest" (AWS, *How RCF Works*). With at least
``capacity`` rows each tree gets ``num_samples_per_tree`` rows of its own; with fewer, each
tree gets ``min(num_samples_per_tree, rows)`` distinct rows, and trees share rows (the
service does not document this case).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


class Reservoir:
    """A uniform sample of at most ``capacity`` rows of a stream (see the module docstring)."""

    def __init__(self, capacity: int, feature_dim: int, rng: np.random.Generator) -> None:
        self.capacity = capacity
        self.rng = rng
        self.keys = np.zeros(0)
        self.rows = np.zeros((0, feature_dim), np.float32)
        self.threshold = np.inf  # a row with a larger key can no longer get in
        self.waiting: list[tuple[np.ndarray, np.ndarray]] = []
        self.waiting_rows = 0
        self.seen = 0

    def add(self, features: np.ndarray | sp.csr_matrix) -> None:
        """Offers each row of ``features`` (dense or CSR, ``feature_dim`` wide)."""
        keys = self.rng.random(features.shape[0])
        self.seen += len(keys)
        wanted = np.flatnonzero(keys < self.threshold)
        if not len(wanted):
            return
        chosen = features[wanted]
        chosen = chosen.toarray() if sp.issparse(chosen) else np.asarray(chosen)
        self.waiting.append((keys[wanted], chosen.astype(np.float32)))
        self.waiting_rows += len(wanted)
        if self.waiting_rows >= max(1, self.capacity // 4):
            self._merge()

    def _merge(self) -> None:
        keys = np.concatenate([self.keys, *(k for k, _ in self.waiting)])
        rows = np.concatenate([self.rows, *(r for _, r in self.waiting)])
        self.waiting, self.waiting_rows = [], 0
        if len(keys) > self.capacity:
            kept = np.argpartition(keys, self.capacity - 1)[: self.capacity]
            keys, rows = keys[kept], rows[kept]
        if len(keys) == self.capacity:
            self.threshold = keys.max()
        self.keys, self.rows = keys, rows

    def sample(self) -> np.ndarray:
        """The kept rows, in key order (a uniformly random order)."""
        self._merge()
        order = np.argsort(self.keys, kind="stable")
        return self.rows[order]


def tree_samples(
    rows: np.ndarray, trees: int, per_tree: int, rng: np.random.Generator
) -> np.ndarray:
    """``trees x min(per_tree, len(rows))`` rows, tree by tree (see the module docstring):
    consecutive slices of random permutations of ``rows``, a fresh permutation whenever one
    is used up, so that no tree holds a row twice."""
    size = min(per_tree, len(rows))
    per_permutation = len(rows) // size
    picks = []
    for first in range(0, trees, per_permutation):
        permutation = rng.permutation(len(rows))
        wanted = min(per_permutation, trees - first)
        picks.append(permutation[: wanted * size])
    return rows[np.concatenate(picks)]
