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
    get_hyperparameter,
    int_param,
    string_list_param,
)
from smspark_kmeans.choices import EVAL_METRICS, INIT_METHODS
from smspark_kmeans.deserializer import KMeansProtobufResponseRowDeserializer


class KMeansSageMakerEstimator(AmazonAlgorithmEstimator):
    """Trains SageMaker k-means (image ``kmeans:1``) on a DataFrame's ``features`` vectors
    and returns a ``SageMakerModel`` that appends ``distance_to_cluster`` and
    ``closest_cluster``."""

    image_repository: ClassVar[str] = "kmeans"
    registry_accounts = FIRST_PARTY_ACCOUNTS
    required_params: ClassVar[tuple[str, ...]] = ("k", "feature_dim", "mini_batch_size")
    # The original's accessor names (its Scala val names) over the hyperparameter-named
    # Params: setK, setInitMethod, setMaxIter, setTol, setTrialNum, setLocalInitMethod,
    # setHalflifeTime, setEpochs, setCenterFactor (setEvalMetrics/getEvalMetrics are below).
    accessor_names: ClassVar[dict[str, str]] = {
        "local_lloyd_max_iter": "MaxIter",
        "local_lloyd_tol": "Tol",
        "local_lloyd_num_trials": "TrialNum",
        "local_lloyd_init_method": "LocalInitMethod",
        "half_life_time_size": "HalflifeTime",
        "extra_center_factor": "CenterFactor",
    }
    accessor_skip: ClassVar[tuple[str, ...]] = ("eval_metrics",)
    accessor_notes: ClassVar[dict[str, str]] = {
        "k": "There is no default: sagemaker_pyspark's k = 2 hid a forgotten setK."
    }

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
        "eval_metrics", "Scores reported for the test channel.", EVAL_METRICS
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._setDefault(mini_batch_size=5000)

    def check_training_rows(self, rows: int) -> None:
        """k clusters need at least k rows: with fewer, the container would pad the model
        with duplicate centers, so the fit is refused before the training job is paid for."""
        k = self.getOrDefault(self.k)
        if k > rows:
            raise ValueError(
                f"k={k} is greater than the number of training rows ({rows}): k-means cannot "
                f"find more clusters than there are rows; set k to at most {rows} or train on "
                "more data (no training job was started and the staged data was removed)"
            )

    @classmethod
    def default_deserializer(cls) -> KMeansProtobufResponseRowDeserializer:
        return KMeansProtobufResponseRowDeserializer()

    def getEvalMetrics(self) -> str:  # noqa: N802
        """The metrics as given, without the brackets the hyperparameter carries (``"msd,ssd"``
        after ``setEvalMetrics("msd,ssd")``, as the original returned)."""
        return get_hyperparameter(self, self.eval_metrics, "setEvalMetrics").strip("[]")

    def setEvalMetrics(self, value: str | list[str]) -> KMeansSageMakerEstimator:  # noqa: N802
        """``"msd"``, ``"ssd,msd"`` or a list; sent in brackets as the original sent it
        (``"[ssd,msd]"``; a list as ``"[ssd, msd]"``).

        Unlike sagemaker_pyspark: a list is taken too, and a value that is not text is a
        ``ValueError`` naming eval_metrics (the original's ``value.split`` raised
        ``AttributeError``)."""
        return self._set(eval_metrics=value)

    # Accessors generated by `python -m smspark_core.accessor_codegen --in-place`.

    def setK(self, value: int) -> KMeansSageMakerEstimator:
        """Sets the ``k`` hyperparameter. The number of clusters to find. Allowed: an integer >=
        2.

        Unlike sagemaker_pyspark: There is no default: sagemaker_pyspark's k = 2 hid a forgotten
        setK."""
        return self._set(k=value)

    def getK(self) -> int:
        """The ``k`` hyperparameter."""
        return self._hyperparameter(self.k, "setK")

    def setInitMethod(self, value: str) -> KMeansSageMakerEstimator:
        """Sets the ``init_method`` hyperparameter. How the streaming stage picks its initial
        centers. Allowed: one of random, kmeans++."""
        return self._set(init_method=value)

    def getInitMethod(self) -> str:
        """The ``init_method`` hyperparameter."""
        return self._hyperparameter(self.init_method, "setInitMethod")

    def setMaxIter(self, value: int) -> KMeansSageMakerEstimator:
        """Sets the ``local_lloyd_max_iter`` hyperparameter. Maximum iterations of the final
        local Lloyd stage. Allowed: an integer >= 1."""
        return self._set(local_lloyd_max_iter=value)

    def getMaxIter(self) -> int:
        """The ``local_lloyd_max_iter`` hyperparameter."""
        return self._hyperparameter(self.local_lloyd_max_iter, "setMaxIter")

    def setTol(self, value: float) -> KMeansSageMakerEstimator:
        """Sets the ``local_lloyd_tol`` hyperparameter. Relative loss change that stops local
        Lloyd early. Allowed: a number >= 0 and <= 1."""
        return self._set(local_lloyd_tol=value)

    def getTol(self) -> float:
        """The ``local_lloyd_tol`` hyperparameter."""
        return self._hyperparameter(self.local_lloyd_tol, "setTol")

    def setTrialNum(self, value: str) -> KMeansSageMakerEstimator:
        """Sets the ``local_lloyd_num_trials`` hyperparameter. Local Lloyd restarts; the one with
        the lowest loss is kept. Allowed: 'auto' or an integer >= 1.

        Unlike sagemaker_pyspark: True/False are refused (sagemaker_pyspark sent 'True' to the
        algorithm). A fraction (1.5) is refused before any AWS call: sagemaker_pyspark passed it
        on, and the algorithm, which takes an integer, failed the training job."""
        return self._set(local_lloyd_num_trials=value)

    def getTrialNum(self) -> str:
        """The ``local_lloyd_num_trials`` hyperparameter."""
        return self._hyperparameter(self.local_lloyd_num_trials, "setTrialNum")

    def setLocalInitMethod(self, value: str) -> KMeansSageMakerEstimator:
        """Sets the ``local_lloyd_init_method`` hyperparameter. How local Lloyd picks its initial
        centers. Allowed: one of random, kmeans++."""
        return self._set(local_lloyd_init_method=value)

    def getLocalInitMethod(self) -> str:
        """The ``local_lloyd_init_method`` hyperparameter."""
        return self._hyperparameter(self.local_lloyd_init_method, "setLocalInitMethod")

    def setHalflifeTime(self, value: int) -> KMeansSageMakerEstimator:
        """Sets the ``half_life_time_size`` hyperparameter. Points after which an earlier point's
        weight halves while streaming (0: no decay). Allowed: an integer >= 0."""
        return self._set(half_life_time_size=value)

    def getHalflifeTime(self) -> int:
        """The ``half_life_time_size`` hyperparameter."""
        return self._hyperparameter(self.half_life_time_size, "setHalflifeTime")

    def setEpochs(self, value: int) -> KMeansSageMakerEstimator:
        """Sets the ``epochs`` hyperparameter. Passes over the training data. Allowed: an integer
        >= 1."""
        return self._set(epochs=value)

    def getEpochs(self) -> int:
        """The ``epochs`` hyperparameter."""
        return self._hyperparameter(self.epochs, "setEpochs")

    def setCenterFactor(self, value: str) -> KMeansSageMakerEstimator:
        """Sets the ``extra_center_factor`` hyperparameter. Streaming keeps extra_center_factor x
        k centers, reduced to k at the end. Allowed: 'auto' or an integer >= 1.

        Unlike sagemaker_pyspark: True/False are refused (sagemaker_pyspark sent 'True' to the
        algorithm). A fraction (1.5) is refused before any AWS call: sagemaker_pyspark passed it
        on, and the algorithm, which takes an integer, failed the training job."""
        return self._set(extra_center_factor=value)

    def getCenterFactor(self) -> str:
        """The ``extra_center_factor`` hyperparameter."""
        return self._hyperparameter(self.extra_center_factor, "setCenterFactor")

    # End of the generated accessors.
