"""A robust random cut forest (Guha, Mishra, Roy and Schrijvers, "Robust Random Cut Forest
Based Anomaly Detection on Streams", ICML 2016) in numpy, built and scored without a Python
loop per point or per node.

**Trees.** Each tree is built on its own sample of points: the bounding box of the points is
cut in a dimension chosen with probability proportional to its side length, at a value
uniform along that side, and each side is cut again until every leaf holds one distinct
point (a leaf may hold several copies of one point). All trees grow at once, one level per
step: the points of every open node sit in one contiguous segment of a permutation, and each
level's cuts are drawn and applied to all segments together.

**Score.** A point's score in a tree is its *collusive displacement* (CoDisp): insert the
point into the tree with the paper's insertion (a cut drawn on the box that includes it;
when that cut separates the point from the node's box, the point becomes the node's
sibling, otherwise it follows the node's own cut), then take, over the subtrees ``C``
holding the point, the largest ratio of the points displaced to the points removed,
``|sibling(C)| / |C|``. The insertion is random, but the path it follows is not (a cut that
does not separate the point is the node's own), so the score here is the *expected* CoDisp
over the insertion, computed exactly: along the point's path through the tree, the
insertion stops at node ``v`` with probability ``q_v`` (the share of the cut's range, in
the box grown to include the point, that lies outside the node's box) times the chance it
did not stop above, and stopping there displaces ``max(|v|, D_v)``, where ``D_v`` is the
largest ``|sibling(u)| / (|u| + 1)`` over ``v`` and its ancestors below the root. A point
that equals a leaf's point joins that leaf and displaces ``D_leaf``. The forest's score is
the mean over the trees. Being an expectation, it is deterministic: the same row always has
the same score, whichever request or batch it arrives in.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

# Pairs of (request row, tree) x features scored at once: bounds the scoring memory
# (a few arrays of this many float32 values) whatever the request size.
SCORE_CHUNK_VALUES = 1_000_000


@dataclass(frozen=True)
class Forest:
    """Every tree's nodes in flat arrays (node ``i`` of any tree is row ``i``).

    ``lower``/``upper``: the bounding box of the node's points (float32, ``(nodes, d)``);
    ``cut_dim`` (-1 at a leaf), ``cut_value``, ``left``, ``right``: the node's cut, the points
    with ``x[cut_dim] <= cut_value`` going left; ``size``: the node's points, copies
    included; ``separated``: the CoDisp of a point the insertion separates at this node,
    ``max(size, D)``; ``duplicate``: the CoDisp of a copy of a leaf's point, ``D``; ``roots``:
    each tree's root node."""

    lower: np.ndarray
    upper: np.ndarray
    cut_dim: np.ndarray
    cut_value: np.ndarray
    left: np.ndarray
    right: np.ndarray
    size: np.ndarray
    separated: np.ndarray
    duplicate: np.ndarray
    roots: np.ndarray

    @property
    def num_trees(self) -> int:
        return len(self.roots)

    @property
    def feature_dim(self) -> int:
        return self.lower.shape[1]

    @cached_property
    def span(self) -> np.ndarray:
        """Each node's sum of side lengths (float64)."""
        return (self.upper.astype(np.float64) - self.lower).sum(axis=1)

    @cached_property
    def centre(self) -> np.ndarray:
        """Each node's box centre (float32; at a leaf exactly its point)."""
        return (self.lower + self.upper) / np.float32(2)

    @cached_property
    def half(self) -> np.ndarray:
        """Each node's box half sides (float32; 0 at a leaf)."""
        return (self.upper - self.lower) / np.float32(2)

    def depths(self) -> np.ndarray:
        """Each leaf's depth (for tests and the README's figures)."""
        depth = np.zeros(len(self.size), np.int64)
        inner = np.flatnonzero(self.cut_dim >= 0)  # parents come before their children
        for node in inner:
            depth[self.left[node]] = depth[self.right[node]] = depth[node] + 1
        return depth[self.cut_dim < 0]

    def score(self, rows: np.ndarray) -> np.ndarray:
        """The anomaly score of each row of ``rows`` (``(n, d)``): the mean over the trees of
        its expected CoDisp (see the module docstring)."""
        rows = np.asarray(rows, dtype=np.float32)
        scores = np.empty(len(rows))
        chunk = max(1, SCORE_CHUNK_VALUES // max(1, self.num_trees * self.feature_dim))
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            scores[start : start + len(part)] = self._score_chunk(part)
        return scores

    def _score_chunk(self, rows: np.ndarray) -> np.ndarray:
        """The scores of ``rows``: every (row, tree) pair walks down its tree one level per
        step, finished pairs dropping out (see the module docstring)."""
        trees = self.num_trees
        pair = np.arange(len(rows) * trees)
        node = np.tile(self.roots, len(rows))
        x = np.repeat(rows, trees, axis=0)
        alive = np.ones(len(pair))  # chance the insertion has not stopped above
        total = np.zeros(len(pair))
        while len(pair):
            # How far x lies outside the node's box, summed over the dimensions:
            # max(|x - centre| - half side, 0).
            gap = np.take(self.centre, node, axis=0)
            gap -= x
            np.abs(gap, out=gap)
            gap -= np.take(self.half, node, axis=0)
            np.maximum(gap, 0, out=gap)
            outside = np.einsum("ij->i", gap).astype(np.float64)  # several times .sum(1)'s speed
            grown = self.span[node] + outside
            stop = np.divide(outside, grown, out=np.zeros_like(outside), where=grown > 0)
            leaf = self.cut_dim[node] < 0
            gained = alive * stop * self.separated[node]
            alive *= 1 - stop
            # At a leaf, what has not stopped is a copy of the leaf's point: it joins it.
            gained += np.where(leaf, alive * self.duplicate[node], 0.0)
            total[pair] += gained
            going = ~leaf & (alive > 0)
            pair, node, alive = pair[going], node[going], alive[going]
            x = np.compress(going, x, axis=0)
            right = x[np.arange(len(node)), self.cut_dim[node]] > self.cut_value[node]
            node = np.where(right, self.right[node], self.left[node])
        return total.reshape(len(rows), trees).mean(axis=1)


def build_forest(points: np.ndarray, trees: int, rng: np.random.Generator) -> Forest:
    """A forest of ``trees`` trees; tree ``t`` is built on rows ``t*m .. (t+1)*m - 1`` of
    ``points`` (``m = len(points) // trees``)."""
    points = np.ascontiguousarray(points, dtype=np.float32)
    count, dim = points.shape
    if trees < 1 or count == 0 or count % trees:
        raise ValueError(f"{count} points cannot be split evenly over {trees} trees")
    per_tree = count // trees
    capacity = trees * (2 * per_tree - 1)
    nodes = _Nodes(capacity, dim)
    order = np.arange(count)
    starts = np.arange(trees) * per_tree
    ids = nodes.open(trees)
    roots = ids.copy()
    nodes.size[ids] = per_tree
    while len(ids):
        segment_points = points[order]
        lower = np.minimum.reduceat(segment_points, starts, axis=0)
        upper = np.maximum.reduceat(segment_points, starts, axis=0)
        nodes.lower[ids], nodes.upper[ids] = lower, upper
        sides = upper.astype(np.float64) - lower
        span = sides.sum(axis=1)
        lengths = np.diff(np.append(starts, len(order)))
        split = span > 0  # a box of one (possibly repeated) point is a leaf
        # The cut: a dimension with probability proportional to its side, a value uniform
        # along it (kept strictly below the upper side in float32, so both sides get points).
        reach = rng.random(len(ids)) * span
        dims = np.minimum((np.cumsum(sides, axis=1) <= reach[:, None]).sum(axis=1), dim - 1)
        rows = np.arange(len(ids))
        while np.any(split & (sides[rows, dims] == 0)):  # rounding landed on an empty side
            stuck = split & (sides[rows, dims] == 0)
            dims[stuck] = np.argmax(sides[stuck], axis=1)
        low, high = lower[rows, dims], upper[rows, dims]
        values = (low + rng.random(len(ids)) * (high.astype(np.float64) - low)).astype(np.float32)
        values = np.clip(values, low, np.nextafter(high, np.float32(-np.inf)))
        nodes.cut_dim[ids[split]] = dims[split]
        nodes.cut_value[ids[split]] = values[split]
        # Partition each splitting segment's points by side; leaves' points leave the work.
        segment = np.repeat(rows, lengths)
        keep = split[segment]
        order, segment = order[keep], segment[keep]
        right = points[order, dims[segment]] > values[segment]
        key = segment * 2 + right
        arrangement = np.argsort(key, kind="stable")
        order = order[arrangement]
        halves = np.bincount(key, minlength=2 * len(ids)).reshape(-1, 2)[split]
        parents = ids[split]
        children = nodes.open(2 * len(parents)).reshape(-1, 2)
        nodes.left[parents], nodes.right[parents] = children[:, 0], children[:, 1]
        nodes.size[children] = halves
        # D of each child: the larger of its parent's D and sibling/(own + 1).
        ratios = halves[:, ::-1] / (halves + 1.0)
        nodes.displaced[children] = np.maximum(nodes.displaced[parents][:, None], ratios)
        ids = children.ravel()
        starts = np.concatenate([[0], np.cumsum(halves.ravel())[:-1]]).astype(np.int64)
    return nodes.forest(roots)


class _Nodes:
    """The growing node arrays of ``build_forest``."""

    def __init__(self, capacity: int, dim: int) -> None:
        self.count = 0
        self.lower = np.zeros((capacity, dim), np.float32)
        self.upper = np.zeros((capacity, dim), np.float32)
        self.cut_dim = np.full(capacity, -1, np.int32)
        self.cut_value = np.zeros(capacity, np.float32)
        self.left = np.full(capacity, -1, np.int32)
        self.right = np.full(capacity, -1, np.int32)
        self.size = np.zeros(capacity, np.int64)
        self.displaced = np.zeros(capacity)  # D: 0 at the roots

    def open(self, count: int) -> np.ndarray:
        ids = np.arange(self.count, self.count + count)
        self.count += count
        return ids

    def forest(self, roots: np.ndarray) -> Forest:
        used = slice(0, self.count)
        size = self.size[used]
        displaced = self.displaced[used]
        return Forest(
            lower=self.lower[used].copy(),
            upper=self.upper[used].copy(),
            cut_dim=self.cut_dim[used].copy(),
            cut_value=self.cut_value[used].copy(),
            left=self.left[used].copy(),
            right=self.right[used].copy(),
            size=size.copy(),
            separated=np.maximum(size, displaced),
            duplicate=displaced.copy(),
            roots=roots.astype(np.int64),
        )
