"""``KNNSageMakerEstimator``: SageMaker k-NN as a Spark ML estimator.

Params are the container's hyperparameter keys with camelCase accessors (``setK``,
``setSampleSize``, ``setPredictorType``, ``setDimensionReductionType``,
``setDimensionReductionTarget``, ``setIndexType``, ``setIndexMetric``,
``setFaissIndexIvfNlists``, ``setFaissIndexPqM``, ``setFeatureDim``, ``setMiniBatchSize``).
Each is checked against the documented range when set; the rules between them (a target
with a reduction type, the target below ``feature_dim``, IVFPQ only with L2, ``pq_m`` only
with IVFPQ) at ``fit()``, before any AWS call. There are no client-side defaults;
``k``, ``sample_size`` and ``predictor_type`` are required, ``feature_dim`` is taken from
the data when unset, ``mini_batch_size`` is optional (the container's 5000 applies).
"""

from __future__ import annotations

from typing import ClassVar

from pyspark.sql import DataFrame
from pyspark.sql.types import StructType

from smspark_core.algorithms.estimator import AmazonAlgorithmEstimator
from smspark_core.algorithms.images import FIRST_PARTY_ACCOUNTS
from smspark_core.algorithms.params import (
    HyperParameter,
    add_accessors,
    auto_or_number_param,
    choice_param,
    int_param,
    strict_int,
)
from smspark_knn.algorithm import INDEX_TYPES, METRICS, PQ_M_VALUES, PREDICTOR_TYPES, REDUCTIONS
from smspark_knn.deserializers import KNNProtobufResponseRowDeserializer


def _pq_m_param() -> HyperParameter:
    allowed = f"one of {', '.join(map(str, PQ_M_VALUES))}"
    return HyperParameter(
        "faiss_index_pq_m",
        "Sub-vectors of the product quantizer of faiss.IVFPQ (data dimension is padded to "
        "a multiple of it).",
        strict_int,
        allowed,
        PQ_M_VALUES.__contains__,
    )


class KNNSageMakerEstimator(AmazonAlgorithmEstimator):
    """Trains SageMaker k-NN (image ``knn:1``) on labelled vectors and returns a
    ``SageMakerModel`` that appends each row's ``predicted_label``."""

    image_repository: ClassVar[str] = "knn"
    registry_accounts = FIRST_PARTY_ACCOUNTS
    required_params: ClassVar[tuple[str, ...]] = (
        "feature_dim",
        "k",
        "sample_size",
        "predictor_type",
    )

    k = int_param("k", "The number of nearest neighbours.", low=1)
    sample_size = int_param("sample_size", "Rows sampled from the training data.", low=1)
    predictor_type = choice_param(
        "predictor_type", "classifier (majority label) or regressor (mean label).", PREDICTOR_TYPES
    )
    dimension_reduction_type = choice_param(
        "dimension_reduction_type",
        "sign (random projection) or fjlt (fast Johnson-Lindenstrauss transform).",
        REDUCTIONS,
    )
    dimension_reduction_target = int_param(
        "dimension_reduction_target", "The reduced dimension, less than feature_dim.", low=1
    )
    index_type = choice_param("index_type", "The index (default faiss.Flat).", INDEX_TYPES)
    index_metric = choice_param("index_metric", "The distance (default L2).", METRICS)
    faiss_index_ivf_nlists = auto_or_number_param(
        "faiss_index_ivf_nlists",
        "Centroids of the IVF index (auto: sqrt(sample_size)).",
        1,
        integer=True,
    )
    faiss_index_pq_m = _pq_m_param()

    @classmethod
    def default_deserializer(cls) -> KNNProtobufResponseRowDeserializer:
        return KNNProtobufResponseRowDeserializer()

    def _value(self, name: str):
        param = getattr(self, name)
        return self.getOrDefault(param) if self.isDefined(param) else None

    def _check_rules(self, feature_dim: int | None) -> None:
        """The documented rules between hyperparameters (ValueError naming them)."""
        reduction = self._value("dimension_reduction_type")
        target = self._value("dimension_reduction_target")
        index_type = self._value("index_type") or "faiss.Flat"
        if reduction is not None and target is None:
            raise ValueError(
                "dimension_reduction_target is required when dimension_reduction_type is set"
            )
        if target is not None and reduction is None:
            raise ValueError("dimension_reduction_target needs a dimension_reduction_type")
        if target is not None and feature_dim is not None and target >= feature_dim:
            raise ValueError(
                f"dimension_reduction_target must be less than feature_dim ({feature_dim}), "
                f"got {target}"
            )
        if index_type == "faiss.IVFPQ" and (self._value("index_metric") or "L2") != "L2":
            raise ValueError(
                "index_metric INNER_PRODUCT and COSINE are not supported with faiss.IVFPQ"
            )
        if self._value("faiss_index_pq_m") is not None and index_type != "faiss.IVFPQ":
            raise ValueError("faiss_index_pq_m applies only to index_type faiss.IVFPQ")

    def transformSchema(self, schema: StructType) -> StructType:  # noqa: N802
        super().transformSchema(schema)
        self._check_rules(self._value("feature_dim"))
        return schema

    def _fit_hyperparameters(self, dataset: DataFrame) -> dict[str, str]:
        hyperparameters = super()._fit_hyperparameters(dataset)
        self._check_rules(int(hyperparameters["feature_dim"]))
        return hyperparameters


# setK, setSampleSize, setPredictorType, setDimensionReductionType, ..., setFaissIndexPqM
# and their getters (setFeatureDim and setMiniBatchSize come from the base class).
add_accessors(KNNSageMakerEstimator)
