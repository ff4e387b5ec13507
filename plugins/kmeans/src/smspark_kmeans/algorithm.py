"""SageMaker's web-scale k-means, in numpy: what the local ``kmeans`` image runs.

Two stages, as the SageMaker algorithm documents them:

1. **Streaming.** Mini-batches pass once per epoch. The first batch seeds
   ``extra_center_factor × k`` centers (``init_method``: random or k-means++). Each batch
   then moves every center towards the mean of the points assigned to it with a per-center
   rate of 1/count (Sculley, "Web-scale k-means clustering", 2010). With
   ``half_life_time_size`` > 0, counts decay so that a point's weight halves after that
   many further points: later data can move the centers again.
2. **Local Lloyd.** The surviving centers, weighted by how many points they absorbed, are
   reduced to ``k`` by weighted Lloyd iterations (``local_lloyd_init_method``,
   ``local_lloyd_num_trials`` restarts, ``local_lloyd_max_iter``, ``local_lloyd_tol`` on
   the relative change of the weighted loss); the restart with the lowest loss wins.

Only one mini-batch is in memory at a time. The streaming stage's state after an epoch
(``StreamingKMeans.state``) is all a resumed run needs to end with the same centroids as an
uninterrupted one: centers, counts and the random generator's state.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

AUTO_TRIALS = 10


@dataclass(frozen=True)
class KMeansSettings:
    """The hyperparameters that shape training, parsed from their SageMaker text (their
    defaults are the service's, in ``smspark_kmeans.hyperparameters``)."""

    k: int
    feature_dim: int
    mini_batch_size: int
    epochs: int
    init_method: str
    extra_center_factor: int | None  # None: auto
    half_life_time_size: int
    local_lloyd_init_method: str
    local_lloyd_num_trials: int | None  # None: auto
    local_lloyd_max_iter: int
    local_lloyd_tol: float
    eval_metrics: tuple[str, ...]
    seed: int = 0

    def center_count(self, first_batch_rows: int) -> int:
        """Centers kept while streaming. auto: as many per cluster as the first batch
        supports with about four points each, between 2 and 50."""
        factor = self.extra_center_factor or max(2, min(50, first_batch_rows // (4 * self.k)))
        return self.k * factor


def squared_distances(points: np.ndarray | sp.csr_matrix, centers: np.ndarray) -> np.ndarray:
    """(n, m) squared Euclidean distances, never negative."""
    if sp.issparse(points):
        point_norms = np.asarray(points.multiply(points).sum(axis=1)).ravel()
    else:
        point_norms = np.einsum("ij,ij->i", points, points)
    cross = np.asarray(points @ centers.T)
    distances = point_norms[:, None] - 2.0 * cross + np.einsum("ij,ij->i", centers, centers)
    return np.maximum(distances, 0.0)


def _seed_centers(
    points: np.ndarray,
    weights: np.ndarray,
    count: int,
    method: str,
    rng: np.random.Generator,
) -> np.ndarray:
    """``count`` initial centers drawn from ``points`` (k-means++ or uniformly at random,
    both in proportion to ``weights``)."""
    probabilities = weights / weights.sum()
    if method == "random":
        replace = count > np.count_nonzero(weights)
        chosen = rng.choice(len(points), size=count, replace=replace, p=probabilities)
        return points[chosen].copy()
    centers = np.empty((count, points.shape[1]))
    centers[0] = points[rng.choice(len(points), p=probabilities)]
    closest = squared_distances(points, centers[:1]).ravel()
    for index in range(1, count):
        mass = weights * closest
        total = mass.sum()
        if total <= 0:  # every point coincides with a center: any point will do
            centers[index:] = points[rng.choice(len(points), size=count - index, p=probabilities)]
            break
        centers[index] = points[rng.choice(len(points), p=mass / total)]
        closest = np.minimum(closest, squared_distances(points, centers[index : index + 1]).ravel())
    return centers


def _dense(points: np.ndarray | sp.csr_matrix) -> np.ndarray:
    return points.toarray() if sp.issparse(points) else np.asarray(points, dtype=np.float64)


class StreamingKMeans:
    """Stage 1: mini-batch updates of ``centers`` with per-center counts."""

    def __init__(self, settings: KMeansSettings) -> None:
        self.settings = settings
        self.rng = np.random.default_rng(settings.seed)
        self.centers: np.ndarray | None = None
        self.counts: np.ndarray | None = None
        self.points_seen = 0
        self.epochs_done = 0

    def state(self) -> dict[str, np.ndarray]:
        """What ``from_state`` resumes from, as arrays (for ``numpy.savez``)."""
        if self.centers is None or self.counts is None:
            raise ValueError("no state before the first batch")
        return {
            "centers": self.centers,
            "counts": self.counts,
            "points_seen": np.array(self.points_seen),
            "epochs_done": np.array(self.epochs_done),
            "rng": np.array(json.dumps(self.rng.bit_generator.state)),
        }

    @classmethod
    def from_state(cls, settings: KMeansSettings, state: dict[str, np.ndarray]) -> StreamingKMeans:
        streaming = cls(settings)
        streaming.centers = np.array(state["centers"], dtype=np.float64)
        streaming.counts = np.array(state["counts"], dtype=np.float64)
        streaming.points_seen = int(state["points_seen"])
        streaming.epochs_done = int(state["epochs_done"])
        streaming.rng.bit_generator.state = json.loads(str(state["rng"]))
        if streaming.centers.shape[1] != settings.feature_dim:
            raise ValueError(
                f"the checkpoint has {streaming.centers.shape[1]} features, feature_dim is "
                f"{settings.feature_dim}"
            )
        return streaming

    def _initialize(self, batch: np.ndarray | sp.csr_matrix) -> None:
        dense = _dense(batch)
        count = self.settings.center_count(len(dense))
        self.centers = _seed_centers(
            dense, np.ones(len(dense)), count, self.settings.init_method, self.rng
        )
        self.counts = np.zeros(count)

    def update(self, batch: np.ndarray | sp.csr_matrix) -> None:
        if batch.shape[0] == 0:
            return
        if batch.shape[1] != self.settings.feature_dim:
            raise ValueError(
                f"the data has {batch.shape[1]} features, feature_dim is "
                f"{self.settings.feature_dim}"
            )
        if self.centers is None:
            self._initialize(batch)
        assert self.centers is not None and self.counts is not None
        nearest = squared_distances(batch, self.centers).argmin(axis=1)
        rows = batch.shape[0]
        if self.settings.half_life_time_size > 0:
            self.counts *= 0.5 ** (rows / self.settings.half_life_time_size)
        assigned = np.bincount(nearest, minlength=len(self.centers)).astype(np.float64)
        membership = sp.csr_matrix(
            (np.ones(rows), (nearest, np.arange(rows))), shape=(len(self.centers), rows)
        )
        sums = membership @ batch
        sums = sums.toarray() if sp.issparse(sums) else np.asarray(sums)
        self.counts += assigned
        moved = assigned > 0
        self.centers[moved] += (
            sums[moved] - assigned[moved, None] * self.centers[moved]
        ) / self.counts[moved, None]
        self.points_seen += rows


def weighted_lloyd(
    points: np.ndarray,
    weights: np.ndarray,
    settings: KMeansSettings,
    rng: np.random.Generator,
) -> tuple[np.ndarray, float]:
    """Stage 2: the best of ``local_lloyd_num_trials`` weighted Lloyd runs: (centers, loss)."""
    k = settings.k
    if len(points) <= k:
        # Fewer distinct summaries than clusters: keep them all, repeat some to make k.
        extra = _seed_centers(points, weights, k - len(points), "random", rng)
        return np.vstack([points, extra]), 0.0
    trials = settings.local_lloyd_num_trials or AUTO_TRIALS
    best_centers, best_loss = None, math.inf
    for _ in range(trials):
        centers = _seed_centers(points, weights, k, settings.local_lloyd_init_method, rng)
        previous = math.inf
        for _ in range(settings.local_lloyd_max_iter):
            distances = squared_distances(points, centers)
            nearest = distances.argmin(axis=1)
            loss = float(weights @ distances[np.arange(len(points)), nearest])
            mass = np.bincount(nearest, weights=weights, minlength=k)
            sums = np.zeros_like(centers)
            np.add.at(sums, nearest, weights[:, None] * points)
            filled = mass > 0
            centers[filled] = sums[filled] / mass[filled, None]
            if not filled.all():  # reseed empty clusters at the worst-served points
                worst = np.argsort(-weights * distances[np.arange(len(points)), nearest])
                centers[~filled] = points[worst[: int((~filled).sum())]]
            if math.isfinite(previous) and previous - loss <= settings.local_lloyd_tol * previous:
                break
            previous = loss
        distances = squared_distances(points, centers)
        loss = float(weights @ distances.min(axis=1))
        if loss < best_loss:
            best_centers, best_loss = centers.copy(), loss
    assert best_centers is not None
    return best_centers, best_loss


def train_kmeans(
    batches: Callable[[], Iterable[np.ndarray | sp.csr_matrix]],
    settings: KMeansSettings,
    log: Callable[[str], None] = lambda _: None,
    *,
    resume: StreamingKMeans | None = None,
    epoch_done: Callable[[StreamingKMeans], None] = lambda _: None,
) -> np.ndarray:
    """The (k, feature_dim) centroids of the data that ``batches()`` yields (called once
    per epoch). Training goes on from ``resume`` (a checkpoint's state) when given;
    ``epoch_done`` sees the state after each epoch (to checkpoint it)."""
    streaming = resume or StreamingKMeans(settings)
    for epoch in range(streaming.epochs_done, settings.epochs):
        for batch in batches():
            streaming.update(batch)
        streaming.epochs_done = epoch + 1
        log(f"epoch {epoch + 1}/{settings.epochs}: {streaming.points_seen} points seen")
        if epoch == 0 and 0 < streaming.points_seen < settings.k:
            # k clusters need k points: padding with repeated centroids would hide the mistake.
            raise ValueError(
                f"k={settings.k} is greater than the number of rows in the train channel "
                f"({streaming.points_seen}); set k to at most the number of rows"
            )
        if streaming.centers is not None:
            epoch_done(streaming)
    if streaming.centers is None:
        raise ValueError("the train channel holds no rows")
    assert streaming.counts is not None
    alive = streaming.counts > 0
    centers, loss = weighted_lloyd(
        streaming.centers[alive], streaming.counts[alive], settings, streaming.rng
    )
    log(
        f"reduced {int(alive.sum())} streaming centers to k={settings.k} (weighted loss {loss:.6g})"
    )
    return centers


def score(batches: Iterable[np.ndarray | sp.csr_matrix], centers: np.ndarray) -> dict[str, float]:
    """msd (mean) and ssd (sum) of the squared distance from each point to its center."""
    total, count = 0.0, 0
    for batch in batches:
        total += float(squared_distances(batch, centers).min(axis=1).sum())
        count += batch.shape[0]
    return {"ssd": total, "msd": total / count if count else math.nan}
