"""``SageMakerEstimator``: a pyspark.ml Estimator whose ``fit()`` trains on SageMaker and
returns a ``SageMakerModel``.

``fit`` follows the original step by step: names from the name policy, the role, the S3
locations, staging the (projected) data from the executors, CreateTrainingJob with every
field the original fills, watching the job (status and CloudWatch logs as they arrive,
throttling tolerated, the timeout in *seconds*), removing the staging data (on success, on
failure and on Ctrl-C, which also stops the job), then the model from the job's artifact.
Hyperparameters are the constructor map plus every Spark Param that is set or has a default
(algorithm subclasses declare those Params under the SageMaker hyperparameter keys).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from pyspark.ml import Estimator
from pyspark.sql import DataFrame

from smspark_core.aws import ClientSpec
from smspark_core.codecs.javanum import java_double_str
from smspark_core.invoke import DEFAULT_REQUEST_BYTES
from smspark_core.jobs import call_with_backoff, watch_training_job
from smspark_core.model import SageMakerModel
from smspark_core.resources import (
    EndpointCreationPolicy,
    IAMRoleFromConfig,
    NamePolicyFactory,
    RandomNamePolicyFactory,
    S3AutoCreatePath,
    S3DataPath,
)
from smspark_core.staging import delete_staging, resolve_s3_path, stage
from smspark_core.transformation.deserializers import ResponseRowDeserializer
from smspark_core.transformation.serializers import RequestRowSerializer

log = logging.getLogger("smspark.estimator")


def hyperparameter_text(value: Any) -> str:
    """A Param value as the original sent it: Java number text, booleans as True/False."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float):
        return java_double_str(value)
    if isinstance(value, list | tuple):
        return ",".join(hyperparameter_text(v) for v in value)
    return str(value)


class SageMakerEstimator(Estimator):
    """Trains any SageMaker-compatible image on a DataFrame (see the module docstring)."""

    def __init__(
        self,
        trainingImage: str,
        modelImage: str,
        trainingInstanceType: str,
        trainingInstanceCount: int,
        endpointInstanceType: str,
        endpointInitialInstanceCount: int,
        requestRowSerializer: RequestRowSerializer,
        responseRowDeserializer: ResponseRowDeserializer,
        hyperParameters: dict[str, str] | None = None,
        trainingInputS3DataPath: Any = None,
        trainingOutputS3DataPath: Any = None,
        trainingInstanceVolumeSizeInGB: int = 1024,
        trainingProjectedColumns: list[str] | None = None,
        trainingChannelName: str = "train",
        trainingContentType: str | None = None,
        trainingS3DataDistribution: str = "ShardedByS3Key",
        trainingSparkDataFormat: str = "sagemaker",
        trainingSparkDataFormatOptions: dict[str, str] | None = None,
        trainingInputMode: str = "File",
        trainingCompressionCodec: str | None = None,
        trainingMaxRuntimeInSeconds: int = 24 * 60 * 60,
        trainingKmsKeyId: str | None = None,
        modelEnvironmentVariables: dict[str, str] | None = None,
        endpointCreationPolicy: EndpointCreationPolicy = EndpointCreationPolicy.CREATE_ON_CONSTRUCT,
        sagemakerClient: Any = None,
        sagemakerRole: Any = None,
        s3Client: Any = None,
        stsClient: Any = None,
        modelPrependInputRowsToTransformationRows: bool = True,
        deleteStagingDataAfterTraining: bool = True,
        namePolicyFactory: NamePolicyFactory | None = None,
        uid: str | None = None,
        *,
        clientSpec: ClientSpec | None = None,
        trainingManifest: bool = False,
        pollSeconds: float = 5.0,
        maxConcurrency: int = 4,
        maxRequestBytes: int = DEFAULT_REQUEST_BYTES,
        errorMode: str = "fail",
    ) -> None:
        super().__init__()
        if uid:
            self.uid = uid
        self.trainingImage, self.modelImage = trainingImage, modelImage
        self.trainingInstanceType = trainingInstanceType
        self.trainingInstanceCount = trainingInstanceCount
        self.endpointInstanceType = endpointInstanceType
        self.endpointInitialInstanceCount = endpointInitialInstanceCount
        self.requestRowSerializer = requestRowSerializer
        self.responseRowDeserializer = responseRowDeserializer
        self.hyperParameters = dict(hyperParameters or {})
        self.sagemakerRole = sagemakerRole or IAMRoleFromConfig()
        self.trainingInputS3DataPath = trainingInputS3DataPath or S3AutoCreatePath()
        self.trainingOutputS3DataPath = trainingOutputS3DataPath or S3AutoCreatePath()
        self.trainingInstanceVolumeSizeInGB = trainingInstanceVolumeSizeInGB
        self.trainingProjectedColumns = trainingProjectedColumns
        self.trainingChannelName = trainingChannelName
        self.trainingContentType = trainingContentType
        self.trainingS3DataDistribution = trainingS3DataDistribution
        self.trainingSparkDataFormat = trainingSparkDataFormat
        self.trainingSparkDataFormatOptions = dict(trainingSparkDataFormatOptions or {})
        self.trainingInputMode = trainingInputMode
        self.trainingCompressionCodec = trainingCompressionCodec
        self.trainingMaxRuntimeInSeconds = trainingMaxRuntimeInSeconds
        self.trainingKmsKeyId = trainingKmsKeyId
        self.modelEnvironmentVariables = dict(modelEnvironmentVariables or {})
        self.endpointCreationPolicy = endpointCreationPolicy
        self.clientSpec = clientSpec or ClientSpec.from_environment()
        self.sagemakerClient = sagemakerClient or self.clientSpec.client("sagemaker")
        self.modelPrependInputRowsToTransformationRows = modelPrependInputRowsToTransformationRows
        self.deleteStagingDataAfterTraining = deleteStagingDataAfterTraining
        self.namePolicyFactory = namePolicyFactory or RandomNamePolicyFactory()
        self.trainingManifest = trainingManifest
        self.pollSeconds = pollSeconds
        self.modelOptions = {
            "maxConcurrency": maxConcurrency,
            "maxRequestBytes": maxRequestBytes,
            "errorMode": errorMode,
        }
        self.latestTrainingJob: str | None = None

    def make_hyperparameters(self) -> dict[str, str]:
        """The constructor map, overridden by every Spark Param that is set or defaulted."""
        values = dict(self.hyperParameters)
        for param in self.params:
            if self.isSet(param) or self.hasDefault(param):
                values[param.name] = hyperparameter_text(self.getOrDefault(param))
        return values

    def _training_request(self, job: str, role: str, staged, output: S3DataPath) -> dict:
        source = {
            "S3DataType": staged.data_type,
            "S3Uri": staged.s3_uri,
            "S3DataDistributionType": self.trainingS3DataDistribution,
        }
        channel: dict[str, Any] = {
            "ChannelName": self.trainingChannelName,
            "DataSource": {"S3DataSource": source},
        }
        if self.trainingContentType:
            channel["ContentType"] = self.trainingContentType
        if self.trainingCompressionCodec:
            channel["CompressionType"] = "Gzip"
        request: dict[str, Any] = {
            "TrainingJobName": job,
            "AlgorithmSpecification": {
                "TrainingImage": self.trainingImage,
                "TrainingInputMode": self.trainingInputMode,
            },
            "RoleArn": role,
            "InputDataConfig": [channel],
            "OutputDataConfig": {"S3OutputPath": output.to_s3_uri()},
            "ResourceConfig": {
                "InstanceType": self.trainingInstanceType,
                "InstanceCount": self.trainingInstanceCount,
                "VolumeSizeInGB": self.trainingInstanceVolumeSizeInGB,
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": self.trainingMaxRuntimeInSeconds},
        }
        hyperparameters = self.make_hyperparameters()
        if hyperparameters:
            request["HyperParameters"] = hyperparameters
        if self.trainingKmsKeyId:
            request["OutputDataConfig"]["KmsKeyId"] = self.trainingKmsKeyId
        return request

    def _fit(self, dataset: DataFrame) -> SageMakerModel:
        self.transformSchema(dataset.schema)  # subclasses: required Params, before any AWS call
        names = self.namePolicyFactory.create_name_policy()
        job = names.trainingJobName
        conf = dataset.sparkSession.sparkContext.getConf()
        role = self.sagemakerRole.resolve(conf)
        input_path = resolve_s3_path(self.trainingInputS3DataPath, job, conf, self.clientSpec)
        output_path = resolve_s3_path(self.trainingOutputS3DataPath, job, conf, self.clientSpec)
        data = (
            dataset.select(*self.trainingProjectedColumns)
            if self.trainingProjectedColumns
            else dataset
        )
        started = time.monotonic()
        staged = stage(
            data,
            self.trainingSparkDataFormat,
            self.trainingSparkDataFormatOptions,
            input_path,
            self.clientSpec,
            compression=self.trainingCompressionCodec,
            manifest=self.trainingManifest,
        )
        log.info("staged training data at %s in %.1f s", staged.s3_uri, time.monotonic() - started)
        try:
            self.latestTrainingJob = job
            request = self._training_request(job, role, staged, output_path)
            log.info("CreateTrainingJob %s", request)
            call_with_backoff(lambda: self.sagemakerClient.create_training_job(**request))
            description = watch_training_job(
                self.sagemakerClient,
                self.clientSpec.client("logs"),
                job,
                timeout_seconds=self.trainingMaxRuntimeInSeconds,
                poll_seconds=self.pollSeconds,
            )
        finally:
            if self.deleteStagingDataAfterTraining:
                removed = delete_staging(staged, self.clientSpec)
                log.info("removed %d staged objects under %s", removed, staged.prefix_uri)
        return SageMakerModel(
            self.endpointInstanceType,
            self.endpointInitialInstanceCount,
            self.requestRowSerializer,
            self.responseRowDeserializer,
            modelImage=self.modelImage,
            modelPath=description["ModelArtifacts"]["S3ModelArtifacts"],
            modelEnvironmentVariables=self.modelEnvironmentVariables,
            modelExecutionRoleARN=role,
            endpointCreationPolicy=self.endpointCreationPolicy,
            sagemakerClient=self.sagemakerClient,
            prependResultRows=self.modelPrependInputRowsToTransformationRows,
            namePolicy=names,
            uid=self.uid,
            clientSpec=self.clientSpec,
            endpointPollSeconds=self.pollSeconds,
            **self.modelOptions,
        )

    def transformSchema(self, schema):  # noqa: N802 - pyspark's name
        """Algorithm subclasses check their required Params here; the base accepts."""
        return schema
