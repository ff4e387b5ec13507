"""The base of the estimators for SageMaker's own algorithms (k-means, PCA, ...).

What the original's algorithm estimators share: the constructor of ``SageMakerEstimator``
without ``trainingImage``/``modelImage``/``hyperParameters``, in the original Python
package's order (the four instance settings, then ``sagemakerRole``), with an optional
``region``; the image resolved at construction from the region; every
hyperparameter a validated Spark Param named by its SageMaker key; required Params checked
at ``fit()`` before any AWS call, with ``feature_dim`` filled from the data when unset.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pyspark.ml.linalg import VectorUDT
from pyspark.sql import DataFrame
from pyspark.sql.types import StructType

from smspark_core.algorithms.images import default_region, image_uri
from smspark_core.algorithms.params import (
    HyperParameter,
    ValidatedParams,
    get_hyperparameter,
    hyperparameter_param,
)
from smspark_core.aws.resources import EndpointCreationPolicy
from smspark_core.codecs.hyperparameter_table import FEATURE_DIM, MINI_BATCH_SIZE
from smspark_core.estimator import SageMakerEstimator
from smspark_core.foundation.errors import SmsparkError
from smspark_core.transformation.deserializers import ResponseRowDeserializer
from smspark_core.transformation.serializers import (
    ProtobufRequestRowSerializer,
    RequestRowSerializer,
)


class MissingHyperParameterError(SmsparkError, ValueError):
    """A required hyperparameter was not set before ``fit()``."""


class AlgorithmEstimator(SageMakerEstimator, ValidatedParams):
    """An estimator for one of SageMaker's algorithm images (see the module docstring).

    Subclasses set ``image_repository``, ``registry_accounts`` and ``required_params``, declare
    their ``HyperParameter``s as class attributes, and give their default codecs in
    ``default_serializer``/``default_deserializer``.
    """

    image_repository: ClassVar[str]
    registry_accounts: ClassVar[Mapping[str, str]]
    image_tag: ClassVar[str] = "1"
    required_params: ClassVar[tuple[str, ...]] = ()
    default_training_format: ClassVar[str] = "sagemaker"
    default_training_content_type: ClassVar[str | None] = None
    region: str | None = None  # the constructor's region argument (None: boto3's)
    filled_from_data: ClassVar[tuple[str, ...]] = ()  # required, but taken from the data
    # How the generated accessors are named and documented (smspark_core.accessor_codegen):
    # the original's spelling where it is not the CamelCase of the key, hyperparameters with
    # no accessors of their own, and where a setter differs from sagemaker_pyspark's.
    accessor_names: ClassVar[Mapping[str, str]] = {}
    accessor_skip: ClassVar[tuple[str, ...]] = ()
    accessor_notes: ClassVar[Mapping[str, str]] = {}

    def __init__(
        self,
        trainingInstanceType: str | None = None,
        trainingInstanceCount: int | None = None,
        endpointInstanceType: str | None = None,
        endpointInitialInstanceCount: int | None = None,
        sagemakerRole: Any = None,
        requestRowSerializer: RequestRowSerializer | None = None,
        responseRowDeserializer: ResponseRowDeserializer | None = None,
        trainingInputS3DataPath: Any = None,
        trainingOutputS3DataPath: Any = None,
        trainingInstanceVolumeSizeInGB: int | None = None,
        trainingProjectedColumns: list[str] | None = None,
        trainingChannelName: str | None = None,
        trainingContentType: str | None = None,
        trainingS3DataDistribution: str | None = None,
        trainingSparkDataFormat: str | None = None,
        trainingSparkDataFormatOptions: dict[str, str] | None = None,
        trainingInputMode: str | None = None,
        trainingCompressionCodec: str | None = None,
        trainingMaxRuntimeInSeconds: int | None = None,
        trainingKmsKeyId: str | None = None,
        modelEnvironmentVariables: dict[str, str] | None = None,
        endpointCreationPolicy: EndpointCreationPolicy | None = None,
        sagemakerClient: Any = None,
        region: str | None = None,
        s3Client: Any = None,
        stsClient: Any = None,
        modelPrependInputRowsToTransformationRows: bool | None = None,
        deleteStagingDataAfterTraining: bool | None = None,
        namePolicyFactory: Any = None,
        uid: str | None = None,
        **options: Any,
    ) -> None:
        self.region = region
        image = self.resolve_image(region or default_region(), options)
        super().__init__(
            trainingImage=image,
            modelImage=image,
            requestRowSerializer=requestRowSerializer or self.default_serializer(),
            responseRowDeserializer=responseRowDeserializer or self.default_deserializer(),
            trainingInputS3DataPath=trainingInputS3DataPath,
            trainingOutputS3DataPath=trainingOutputS3DataPath,
            trainingInstanceVolumeSizeInGB=trainingInstanceVolumeSizeInGB,
            trainingProjectedColumns=trainingProjectedColumns,
            trainingChannelName=trainingChannelName,
            trainingContentType=trainingContentType or self.default_training_content_type,
            trainingS3DataDistribution=trainingS3DataDistribution,
            trainingSparkDataFormat=trainingSparkDataFormat or self.default_training_format,
            trainingSparkDataFormatOptions=trainingSparkDataFormatOptions,
            trainingInputMode=trainingInputMode,
            trainingCompressionCodec=trainingCompressionCodec,
            trainingMaxRuntimeInSeconds=trainingMaxRuntimeInSeconds,
            trainingKmsKeyId=trainingKmsKeyId,
            modelEnvironmentVariables=modelEnvironmentVariables,
            endpointCreationPolicy=endpointCreationPolicy,
            sagemakerClient=sagemakerClient,
            sagemakerRole=sagemakerRole,
            s3Client=s3Client,
            stsClient=stsClient,
            modelPrependInputRowsToTransformationRows=modelPrependInputRowsToTransformationRows,
            deleteStagingDataAfterTraining=deleteStagingDataAfterTraining,
            namePolicyFactory=namePolicyFactory,
            uid=uid,
            trainingInstanceType=trainingInstanceType,
            trainingInstanceCount=trainingInstanceCount,
            endpointInstanceType=endpointInstanceType,
            endpointInitialInstanceCount=endpointInitialInstanceCount,
            **{k: v for k, v in options.items() if k not in self.image_options},
        )

    # Keyword arguments that choose the image (XGBoost's imageVersion) rather than settings.
    image_options: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def resolve_image(cls, region: str, options: Mapping[str, Any]) -> str:
        """The training and model image in ``region``."""
        return image_uri(cls.image_repository, cls.image_tag, region, cls.registry_accounts)

    @classmethod
    def default_serializer(cls) -> RequestRowSerializer:
        return ProtobufRequestRowSerializer()

    @classmethod
    def default_deserializer(cls) -> ResponseRowDeserializer:
        raise NotImplementedError

    # ------------------------------------------------------------------ fit

    def _missing(self) -> list[HyperParameter]:
        return [
            getattr(self, name)
            for name in self.required_params
            if not self.isDefined(getattr(self, name))
        ]

    def transformSchema(self, schema: StructType) -> StructType:  # noqa: N802
        missing = [p.name for p in self._missing() if p.name not in self.filled_from_data]
        if missing:
            raise MissingHyperParameterError(
                f"{type(self).__name__}: required hyperparameter(s) {', '.join(missing)} not "
                "set (set them with their setters, e.g. setK(10), before fit)"
            )
        return schema


class AmazonAlgorithmEstimator(AlgorithmEstimator):
    """SageMaker's first-party algorithms (k-means, PCA, Linear Learner): they share
    ``feature_dim`` and ``mini_batch_size``, and an unset ``feature_dim`` is taken from the
    size of the first row's feature vector."""

    required_params: ClassVar[tuple[str, ...]] = ("feature_dim", "mini_batch_size")
    filled_from_data: ClassVar[tuple[str, ...]] = ("feature_dim",)

    feature_dim = hyperparameter_param(FEATURE_DIM)
    mini_batch_size = hyperparameter_param(MINI_BATCH_SIZE)

    def getFeatureDim(self) -> int:  # noqa: N802 - the original's names
        return get_hyperparameter(self, self.feature_dim, "setFeatureDim")

    def setFeatureDim(self, value: int) -> AmazonAlgorithmEstimator:  # noqa: N802
        return self._set(feature_dim=value)

    def getMiniBatchSize(self) -> int:  # noqa: N802
        return get_hyperparameter(self, self.mini_batch_size, "setMiniBatchSize")

    def setMiniBatchSize(self, size: int) -> AmazonAlgorithmEstimator:  # noqa: N802
        return self._set(mini_batch_size=size)

    def _features_column(self) -> str:
        options = self.getTrainingSparkDataFormatOptions()
        return options.get("featuresColumnName", "features")

    def _fit_hyperparameters(self, dataset: DataFrame) -> dict[str, str]:
        self.transformSchema(dataset.schema)
        hyperparameters = self.make_hyperparameters()
        if "feature_dim" in self.required_params and "feature_dim" not in hyperparameters:
            hyperparameters["feature_dim"] = str(self._feature_dim_of(dataset))
        return hyperparameters

    def _feature_dim_of(self, dataset: DataFrame) -> int:
        """The size of the first row's feature vector: the value of an unset feature_dim."""
        column = self._features_column()
        if column not in dataset.columns:
            raise MissingHyperParameterError(
                f"{type(self).__name__}: feature_dim is not set and the DataFrame has no "
                f"features column {column!r} to take it from (columns: {dataset.columns})"
            )
        if not isinstance(dataset.schema[column].dataType, VectorUDT):
            raise MissingHyperParameterError(
                f"{type(self).__name__}: feature_dim is not set and column {column!r} is "
                f"{dataset.schema[column].dataType.simpleString()}, not a vector; set it with "
                "setFeatureDim"
            )
        first = dataset.select(column).dropna().first()
        if first is None:
            raise MissingHyperParameterError(
                f"{type(self).__name__}: feature_dim is not set and column {column!r} holds "
                "no vectors to take it from"
            )
        return int(first[0].size)
