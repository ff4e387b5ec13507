"""``KMeansSageMakerEstimator``: SageMaker k-means as a Spark ML estimator.

Params are the container's hyperparameter keys, with the original's setters and getters.
Differences from ``sagemaker_pyspark``: ``k`` has no default (the Scala estimator had none;
the Python wrapper's ``k = 2`` hid a forgotten ``setK``), so a missing ``k`` fails at
``fit()`` before any AWS call; an unset ``feature_dim`` is taken from the data.
"""

from __future__ import annotations

from typing import ClassVar

from smspark_core.algorithms.estimator import AmazonAlgorithmEstimator
from smspark_core.algorithms.images import FIRST_PARTY_ACCOUNTS
from smspark_core.algorithms.params import (
    auto_or_number_param,
    choice_param,
    float_param,
    int_param,
    string_list_param,
)
from smspark_kmeans.deserializer import KMeansProtobufResponseRowDeserializer

INIT_METHODS = ("random", "kmeans++")


class KMeansSageMakerEstimator(AmazonAlgorithmEstimator):
    """Trains SageMaker k-means (image ``kmeans:1``) on a DataFrame's ``features`` vectors
    and returns a ``SageMakerModel`` that appends ``distance_to_cluster`` and
    ``closest_cluster``."""

    image_repository: ClassVar[str] = "kmeans"
    registry_accounts = FIRST_PARTY_ACCOUNTS
    required_params: ClassVar[tuple[str, ...]] = ("k", "feature_dim", "mini_batch_size")

    k = int_param("k", "The number of clusters to find.", low=2)
    init_method = choice_param(
        "init_method", "How the streaming stage picks its initial centers.", INIT_METHODS
    )
    local_lloyd_max_iter = int_param(
        "local_lloyd_max_iter", "Maximum iterations of the final local Lloyd stage.", low=1
    )
    local_lloyd_tol = float_param(
        "local_lloyd_tol", "Relative loss change that stops local Lloyd early.", 0.0, 1.0
    )
    local_lloyd_num_trials = auto_or_number_param(
        "local_lloyd_num_trials",
        "Local Lloyd restarts; the one with the lowest loss is kept.",
        1,
        integer=True,
    )
    local_lloyd_init_method = choice_param(
        "local_lloyd_init_method", "How local Lloyd picks its initial centers.", INIT_METHODS
    )
    half_life_time_size = int_param(
        "half_life_time_size",
        "Points after which an earlier point's weight halves while streaming (0: no decay).",
        low=0,
    )
    epochs = int_param("epochs", "Passes over the training data.", low=1)
    extra_center_factor = auto_or_number_param(
        "extra_center_factor",
        "Streaming keeps extra_center_factor x k centers, reduced to k at the end.",
        1,
        integer=True,
    )
    eval_metrics = string_list_param(
        "eval_metrics", "Scores reported for the test channel.", ("msd", "ssd")
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._setDefault(mini_batch_size=5000)

    @classmethod
    def default_deserializer(cls) -> KMeansProtobufResponseRowDeserializer:
        return KMeansProtobufResponseRowDeserializer()

    # The original's accessors (Scala val names), over the hyperparameter-named Params.

    def getK(self) -> int:  # noqa: N802
        return self.getOrDefault(self.k)

    def setK(self, value: int) -> KMeansSageMakerEstimator:  # noqa: N802
        return self._set(k=value)

    def getInitMethod(self) -> str:  # noqa: N802
        return self.getOrDefault(self.init_method)

    def setInitMethod(self, value: str) -> KMeansSageMakerEstimator:  # noqa: N802
        return self._set(init_method=value)

    def getMaxIter(self) -> int:  # noqa: N802
        return self.getOrDefault(self.local_lloyd_max_iter)

    def setMaxIter(self, value: int) -> KMeansSageMakerEstimator:  # noqa: N802
        return self._set(local_lloyd_max_iter=value)

    def getTol(self) -> float:  # noqa: N802
        return self.getOrDefault(self.local_lloyd_tol)

    def setTol(self, value: float) -> KMeansSageMakerEstimator:  # noqa: N802
        return self._set(local_lloyd_tol=value)

    def getTrialNum(self) -> str:  # noqa: N802
        return self.getOrDefault(self.local_lloyd_num_trials)

    def setTrialNum(self, value: int | str) -> KMeansSageMakerEstimator:  # noqa: N802
        return self._set(local_lloyd_num_trials=value)

    def getLocalInitMethod(self) -> str:  # noqa: N802
        return self.getOrDefault(self.local_lloyd_init_method)

    def setLocalInitMethod(self, value: str) -> KMeansSageMakerEstimator:  # noqa: N802
        return self._set(local_lloyd_init_method=value)

    def getHalflifeTime(self) -> int:  # noqa: N802
        return self.getOrDefault(self.half_life_time_size)

    def setHalflifeTime(self, value: int) -> KMeansSageMakerEstimator:  # noqa: N802
        return self._set(half_life_time_size=value)

    def getEpochs(self) -> int:  # noqa: N802
        return self.getOrDefault(self.epochs)

    def setEpochs(self, value: int) -> KMeansSageMakerEstimator:  # noqa: N802
        return self._set(epochs=value)

    def getCenterFactor(self) -> str:  # noqa: N802
        return self.getOrDefault(self.extra_center_factor)

    def setCenterFactor(self, value: int | str) -> KMeansSageMakerEstimator:  # noqa: N802
        return self._set(extra_center_factor=value)

    def getEvalMetrics(self) -> str:  # noqa: N802
        """The metrics without the brackets the hyperparameter carries (``"msd, ssd"``)."""
        return self.getOrDefault(self.eval_metrics).strip("[]")

    def setEvalMetrics(self, value: str | list[str]) -> KMeansSageMakerEstimator:  # noqa: N802
        return self._set(eval_metrics=value)
