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

from collections.abc import Mapping
from typing import ClassVar

from pyspark.sql import DataFrame
from pyspark.sql.types import StructType

from smspark_core.algorithms.estimator import AmazonAlgorithmEstimator
from smspark_core.algorithms.images import FIRST_PARTY_ACCOUNTS
from smspark_core.algorithms.params import hyperparameter_param
from smspark_core.codecs.hyperparameter_table import REQUIRED
from smspark_knn.deserializers import KNNProtobufResponseRowDeserializer
from smspark_knn.hyperparameters import HYPERPARAMETERS

# Where knn:1 is published: the regions of the SageMaker Python SDK's
# image_uri_config/knn.json (34) and ca-west-1, which AWS's ECR path page for that region
# lists; the first-party accounts also list us-isof-east-1 and us-isof-south-1 for other
# algorithms, where this one is not listed.
KNN_ACCOUNTS: Mapping[str, str] = {
    region: account
    for region, account in FIRST_PARTY_ACCOUNTS.items()
    if not region.startswith("us-isof-")
}


class KNNSageMakerEstimator(AmazonAlgorithmEstimator):
    """Trains SageMaker k-NN (image ``knn:1``) on labelled vectors and returns a
    ``SageMakerModel`` that appends each row's ``predicted_label``."""

    image_repository: ClassVar[str] = "knn"
    registry_accounts = KNN_ACCOUNTS
    required_params: ClassVar[tuple[str, ...]] = (
        "feature_dim",
        "k",
        "sample_size",
        "predictor_type",
    )

    k = hyperparameter_param(HYPERPARAMETERS["k"])
    sample_size = hyperparameter_param(HYPERPARAMETERS["sample_size"])
    predictor_type = hyperparameter_param(HYPERPARAMETERS["predictor_type"])
    dimension_reduction_type = hyperparameter_param(HYPERPARAMETERS["dimension_reduction_type"])
    dimension_reduction_target = hyperparameter_param(HYPERPARAMETERS["dimension_reduction_target"])
    index_type = hyperparameter_param(HYPERPARAMETERS["index_type"])
    index_metric = hyperparameter_param(HYPERPARAMETERS["index_metric"])
    faiss_index_ivf_nlists = hyperparameter_param(HYPERPARAMETERS["faiss_index_ivf_nlists"])
    faiss_index_pq_m = hyperparameter_param(HYPERPARAMETERS["faiss_index_pq_m"])

    @classmethod
    def default_deserializer(cls) -> KNNProtobufResponseRowDeserializer:
        return KNNProtobufResponseRowDeserializer()

    def _value(self, name: str):
        """The Param's value; unset, the service's default (None where it has none)."""
        param = getattr(self, name)
        if self.isDefined(param):
            return self.getOrDefault(param)
        default = HYPERPARAMETERS[name].default
        return None if default is REQUIRED else default

    def _check_rules(self, feature_dim: int | None) -> None:
        """The documented rules between hyperparameters (ValueError naming them)."""
        reduction = self._value("dimension_reduction_type")
        target = self._value("dimension_reduction_target")
        index_type = self._value("index_type")
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
        if index_type == "faiss.IVFPQ" and self._value("index_metric") != "L2":
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

    # Accessors generated by `python -m smspark_core.accessor_codegen --in-place`.

    def setK(self, value: int) -> KNNSageMakerEstimator:
        """Sets the ``k`` hyperparameter. The number of nearest neighbours. Allowed: an integer
        >= 1."""
        return self._set(k=value)

    def getK(self) -> int:
        """The ``k`` hyperparameter."""
        return self._hyperparameter(self.k, "setK")

    def setSampleSize(self, value: int) -> KNNSageMakerEstimator:
        """Sets the ``sample_size`` hyperparameter. Rows sampled from the training data. Allowed:
        an integer >= 1."""
        return self._set(sample_size=value)

    def getSampleSize(self) -> int:
        """The ``sample_size`` hyperparameter."""
        return self._hyperparameter(self.sample_size, "setSampleSize")

    def setPredictorType(self, value: str) -> KNNSageMakerEstimator:
        """Sets the ``predictor_type`` hyperparameter. classifier (majority label) or regressor
        (mean label). Allowed: one of classifier, regressor."""
        return self._set(predictor_type=value)

    def getPredictorType(self) -> str:
        """The ``predictor_type`` hyperparameter."""
        return self._hyperparameter(self.predictor_type, "setPredictorType")

    def setDimensionReductionType(self, value: str) -> KNNSageMakerEstimator:
        """Sets the ``dimension_reduction_type`` hyperparameter. sign (random projection) or fjlt
        (fast Johnson-Lindenstrauss transform). Allowed: one of sign, fjlt."""
        return self._set(dimension_reduction_type=value)

    def getDimensionReductionType(self) -> str:
        """The ``dimension_reduction_type`` hyperparameter."""
        return self._hyperparameter(self.dimension_reduction_type, "setDimensionReductionType")

    def setDimensionReductionTarget(self, value: int) -> KNNSageMakerEstimator:
        """Sets the ``dimension_reduction_target`` hyperparameter. The reduced dimension, less
        than feature_dim. Allowed: an integer >= 1."""
        return self._set(dimension_reduction_target=value)

    def getDimensionReductionTarget(self) -> int:
        """The ``dimension_reduction_target`` hyperparameter."""
        return self._hyperparameter(self.dimension_reduction_target, "setDimensionReductionTarget")

    def setIndexType(self, value: str) -> KNNSageMakerEstimator:
        """Sets the ``index_type`` hyperparameter. The index (default faiss.Flat). Allowed: one
        of faiss.Flat, faiss.IVFFlat, faiss.IVFPQ."""
        return self._set(index_type=value)

    def getIndexType(self) -> str:
        """The ``index_type`` hyperparameter."""
        return self._hyperparameter(self.index_type, "setIndexType")

    def setIndexMetric(self, value: str) -> KNNSageMakerEstimator:
        """Sets the ``index_metric`` hyperparameter. The distance (default L2). Allowed: one of
        L2, INNER_PRODUCT, COSINE."""
        return self._set(index_metric=value)

    def getIndexMetric(self) -> str:
        """The ``index_metric`` hyperparameter."""
        return self._hyperparameter(self.index_metric, "setIndexMetric")

    def setFaissIndexIvfNlists(self, value: str) -> KNNSageMakerEstimator:
        """Sets the ``faiss_index_ivf_nlists`` hyperparameter. Centroids of the IVF index (auto:
        sqrt(sample_size)). Allowed: 'auto' or an integer >= 1.

        Unlike sagemaker_pyspark: True/False are refused (sagemaker_pyspark sent 'True' to the
        algorithm). A fraction (1.5) is refused before any AWS call: sagemaker_pyspark passed it
        on, and the algorithm, which takes an integer, failed the training job."""
        return self._set(faiss_index_ivf_nlists=value)

    def getFaissIndexIvfNlists(self) -> str:
        """The ``faiss_index_ivf_nlists`` hyperparameter."""
        return self._hyperparameter(self.faiss_index_ivf_nlists, "setFaissIndexIvfNlists")

    def setFaissIndexPqM(self, value: int) -> KNNSageMakerEstimator:
        """Sets the ``faiss_index_pq_m`` hyperparameter. Sub-vectors of the product quantizer of
        faiss.IVFPQ (data dimension is padded to a multiple of it). Allowed: one of 1, 2, 3, 4,
        8, 12, 16, 20, 24, 28, 32, 40, 48, 56, 64, 96."""
        return self._set(faiss_index_pq_m=value)

    def getFaissIndexPqM(self) -> int:
        """The ``faiss_index_pq_m`` hyperparameter."""
        return self._hyperparameter(self.faiss_index_pq_m, "setFaissIndexPqM")

    # End of the generated accessors.


# setK, setSampleSize, setPredictorType, setDimensionReductionType, ..., setFaissIndexPqM
# and their getters (setFeatureDim and setMiniBatchSize come from the base class).
