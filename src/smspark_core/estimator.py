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
from pyspark.ml.util import DefaultParamsReader, MLReadable, MLReader, MLWritable, MLWriter
from pyspark.sql import DataFrame

from smspark_core.aws import ClientSpec, default_client_spec, with_driver_clients
from smspark_core.codecs.javanum import java_double_str
from smspark_core.errors import SmsparkError, add_note
from smspark_core.hosting_options import HOSTING_OPTION_NAMES, HostingOptions
from smspark_core.invoke import DEFAULT_REQUEST_BYTES, DEFAULT_RETRY_DEADLINE_S
from smspark_core.jobs import call_with_backoff, control_plane_client, watch_training_job
from smspark_core.model import SageMakerModel
from smspark_core.persistence import (
    MetadataReader,
    MetadataWriter,
    stage_wiring_from_json,
    stage_wiring_to_json,
)
from smspark_core.preflight import check_endpoint_settings, check_request, check_s3_location
from smspark_core.resources import (
    CreatedResources,
    CustomNamePolicyFactory,
    CustomNamePolicyWithTimeStampSuffixFactory,
    EndpointCreationPolicy,
    IAMRole,
    IAMRoleFromConfig,
    NamePolicyFactory,
    RandomNamePolicyFactory,
    S3AutoCreatePath,
    S3DataPath,
    S3PathFromConfig,
)
from smspark_core.staging import StagedData, delete_staging, resolve_s3_path, stage
from smspark_core.training_options import StageSetting, TrainingOptions
from smspark_core.transformation.deserializers import ResponseRowDeserializer
from smspark_core.transformation.serializers import RequestRowSerializer

log = logging.getLogger("smspark.estimator")


class HostingAfterTrainingFailed(SmsparkError):
    """The training job completed but its endpoint could not be created. The trained model
    is not lost: ``trainingJobName`` and ``modelArtifact`` lead back to it, and
    ``SageMakerModel.from_training_job`` hosts it without training again."""

    def __init__(self, job: str, artifact: str, error: BaseException) -> None:
        super().__init__(
            f"training job {job} completed (model artifact {artifact}), but hosting it "
            f"failed:\n{error}\nNothing was lost: SageMakerModel.from_training_job({job!r}, "
            "modelImage, ...) or SageMakerModel.from_model_s3_path"
            f"({artifact!r}, ...) hosts the trained model without training again."
        )
        self.trainingJobName = job
        self.modelArtifact = artifact
        self.createdResources = getattr(error, "createdResources", CreatedResources())
        self.removedResources = getattr(error, "removedResources", [])


def hyperparameter_text(value: Any) -> str:
    """A Param value as the original sent it: Java number text, booleans as True/False."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float):
        return java_double_str(value)
    if isinstance(value, list | tuple):
        return ",".join(hyperparameter_text(v) for v in value)
    return str(value)


class SageMakerEstimator(Estimator, TrainingOptions, HostingOptions, MLWritable, MLReadable):
    """Trains any SageMaker-compatible image on a DataFrame (see the module docstring).

    Persisted as JSON metadata (also inside a Pipeline): settings, Spark Params, typed
    resources (roles, S3 locations, name policy factories) and the codecs by registered name
    plus their configuration; never pickled, no credentials.
    """

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
        retryDeadlineSeconds: float = DEFAULT_RETRY_DEADLINE_S,
        keepFailedResources: bool = False,
        tags: Any = None,
        vpcConfig: dict[str, list[str]] | None = None,
        enableNetworkIsolation: bool | None = None,
        enableInterContainerTrafficEncryption: bool | None = None,
        trainingVolumeKmsKeyId: str | None = None,
        enableManagedSpotTraining: bool | None = None,
        maxWaitTimeInSeconds: int | None = None,
        checkpointS3Uri: str | None = None,
        checkpointLocalPath: str | None = None,
        trainingEnvironment: dict[str, str] | None = None,
        maximumRetryAttempts: int | None = None,
        keepAlivePeriodInSeconds: int | None = None,
        metricDefinitions: Any = None,
        **hostingOptions: Any,
    ) -> None:
        """``hostingOptions``: the Params of ``HostingOptions`` by name (``hostingTags``,
        ``serverlessMemorySizeInMB``, ...), handed to the model ``fit`` returns."""
        super().__init__()
        if uid:
            self._resetUid(uid)  # rebinds the Params too: they must belong to this uid
        options = {
            "tags": tags,
            "vpcConfig": vpcConfig,
            "enableNetworkIsolation": enableNetworkIsolation,
            "enableInterContainerTrafficEncryption": enableInterContainerTrafficEncryption,
            "trainingVolumeKmsKeyId": trainingVolumeKmsKeyId,
            "enableManagedSpotTraining": enableManagedSpotTraining,
            "maxWaitTimeInSeconds": maxWaitTimeInSeconds,
            "checkpointS3Uri": checkpointS3Uri,
            "checkpointLocalPath": checkpointLocalPath,
            "trainingEnvironment": trainingEnvironment,
            "maximumRetryAttempts": maximumRetryAttempts,
            "keepAlivePeriodInSeconds": keepAlivePeriodInSeconds,
            "metricDefinitions": metricDefinitions,
        }
        unknown = sorted(set(hostingOptions) - set(HOSTING_OPTION_NAMES))
        if unknown:
            raise TypeError(f"SageMakerEstimator got unexpected keyword arguments {unknown}")
        options.update(hostingOptions)
        self._set(**{name: value for name, value in options.items() if value is not None})
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
        # s3Client and stsClient serve the driver's S3 and account calls, as in the original.
        self.clientSpec = with_driver_clients(
            clientSpec or default_client_spec(), s3=s3Client, sts=stsClient
        )
        self.sagemakerClient = sagemakerClient or control_plane_client(self.clientSpec, "sagemaker")
        self.modelPrependInputRowsToTransformationRows = modelPrependInputRowsToTransformationRows
        self.deleteStagingDataAfterTraining = deleteStagingDataAfterTraining
        self.namePolicyFactory = namePolicyFactory or RandomNamePolicyFactory()
        self.trainingManifest = trainingManifest
        self.pollSeconds = pollSeconds
        self.modelOptions: dict[str, Any] = {
            "maxConcurrency": maxConcurrency,
            "maxRequestBytes": maxRequestBytes,
            "errorMode": errorMode,
            "retryDeadlineSeconds": retryDeadlineSeconds,
            "keepFailedResources": keepFailedResources,
        }
        self.latestTrainingJob: str | None = None

    @property
    def s3Client(self) -> Any:  # noqa: N802 - the original's name
        """The S3 client of the driver's calls: the one given, or the configured default."""
        return self.clientSpec.client("s3")

    @property
    def stsClient(self) -> Any:  # noqa: N802 - the original's name
        """The STS client of the account lookup: the one given, or the configured default."""
        return self.clientSpec.client("sts")

    def make_hyperparameters(self) -> dict[str, str]:
        """The constructor map, overridden by every Spark Param that is set or defaulted."""
        values = dict(self.hyperParameters)
        for param in self.params:
            if isinstance(param, StageSetting):
                continue
            if self.isSet(param) or self.hasDefault(param):
                values[param.name] = hyperparameter_text(self.getOrDefault(param))
        return values

    def _fit_hyperparameters(self, dataset: DataFrame) -> dict[str, str]:
        """The hyperparameters of a training job on ``dataset``. Algorithm subclasses check
        their required Params here (before any AWS call) and fill what the data tells."""
        self.transformSchema(dataset.schema)
        return self.make_hyperparameters()

    def check_training_rows(self, rows: int) -> None:
        """Called once the training data is staged, before CreateTrainingJob, with the number
        of records staged: an algorithm that cannot train on so few (k-means with more
        clusters than rows) raises here, naming its Param and the count. The base accepts."""

    def _check_requests(
        self, names, role: str, input_path: S3DataPath, output: S3DataPath, hyperparameters
    ) -> None:
        """CreateTrainingJob and, if fit creates an endpoint, the hosting requests, checked
        as SageMaker checks them before anything is staged (the data's future location
        stands in for the staged channel)."""
        planned = StagedData(
            input_path.to_s3_uri(),
            "ManifestFile" if self.trainingManifest else "S3Prefix",
            input_path.to_s3_uri(),
        )
        check_request(
            "CreateTrainingJob",
            self._training_request(names.trainingJobName, role, planned, output, hyperparameters),
        )
        if self.endpointCreationPolicy != EndpointCreationPolicy.DO_NOT_CREATE:
            check_endpoint_settings(
                self.endpointInstanceType,
                self.endpointInitialInstanceCount,
                self.modelImage,
                serverless=self.is_serverless(),
                names=names,
                role_arn=role,
                environment=self.modelEnvironmentVariables,
            )

    def _training_request(
        self, job: str, role: str, staged, output: S3DataPath, hyperparameters: dict[str, str]
    ) -> dict:
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
        if hyperparameters:
            request["HyperParameters"] = hyperparameters
        if self.trainingKmsKeyId:
            request["OutputDataConfig"]["KmsKeyId"] = self.trainingKmsKeyId
        self.apply_training_options(request)
        return request

    def _fit(self, dataset: DataFrame) -> SageMakerModel:
        self.check_training_options(self.trainingMaxRuntimeInSeconds)
        if self.endpointCreationPolicy != EndpointCreationPolicy.DO_NOT_CREATE:
            self.check_hosting_options(self.endpointInstanceType, self.endpointInitialInstanceCount)
            check_endpoint_settings(
                self.endpointInstanceType,
                self.endpointInitialInstanceCount,
                self.modelImage,
                serverless=self.is_serverless(),
            )
        hyperparameters = self._fit_hyperparameters(dataset)
        names = self.namePolicyFactory.create_name_policy()
        job = names.trainingJobName
        conf = dataset.sparkSession.conf  # the session's conf: classic and Connect alike
        role = self.sagemakerRole.resolve(conf)
        input_path = resolve_s3_path(self.trainingInputS3DataPath, job, conf, self.clientSpec)
        output_path = resolve_s3_path(self.trainingOutputS3DataPath, job, conf, self.clientSpec)
        self._check_requests(names, role, input_path, output_path, hyperparameters)
        check_s3_location(
            input_path,
            self.clientSpec,
            "trainingInputS3DataPath",
            needs_delete=self.deleteStagingDataAfterTraining,
        )
        check_s3_location(output_path, self.clientSpec, "trainingOutputS3DataPath")
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
        if staged.rows is not None:
            try:
                self.check_training_rows(staged.rows)
            except BaseException:
                delete_staging(staged, self.clientSpec)  # no job will read it
                raise
        try:
            self.latestTrainingJob = job
            request = self._training_request(job, role, staged, output_path, hyperparameters)
            log.info("CreateTrainingJob %s", request)
            call_with_backoff(lambda: self.sagemakerClient.create_training_job(**request))
            description = watch_training_job(
                self.sagemakerClient,
                control_plane_client(self.clientSpec, "logs"),
                job,
                timeout_seconds=self.trainingMaxRuntimeInSeconds,
                poll_seconds=self.pollSeconds,
            )
        finally:
            if self.deleteStagingDataAfterTraining:
                removed = delete_staging(staged, self.clientSpec)
                log.info("removed %d staged objects under %s", removed, staged.prefix_uri)
        artifact = description["ModelArtifacts"]["S3ModelArtifacts"]
        try:
            return SageMakerModel(
                self.endpointInstanceType,
                self.endpointInitialInstanceCount,
                self.requestRowSerializer,
                self.model_deserializer(),
                modelImage=self.modelImage,
                modelPath=artifact,
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
                **self.hosting_option_values(),
            )
        except Exception as error:
            raise HostingAfterTrainingFailed(job, artifact, error) from error
        except BaseException as interrupt:  # Ctrl-C or SystemExit while the endpoint starts
            add_note(
                interrupt,
                f"training job {job} had completed (model artifact {artifact}); "
                f"SageMakerModel.from_training_job({job!r}, ...) hosts it without training again",
            )
            raise

    def model_deserializer(self) -> ResponseRowDeserializer:
        """The deserializer of the model ``fit`` returns (subclasses may pick one by Param)."""
        return self.responseRowDeserializer

    def transformSchema(self, schema):  # noqa: N802 - pyspark's name
        """Algorithm subclasses check their required Params here; the base accepts."""
        return schema

    # ------------------------------------------------------------------ persistence

    def write(self) -> MLWriter:
        return MetadataWriter(self, _estimator_metadata)

    @classmethod
    def read(cls) -> MLReader:
        return _EstimatorReader(cls)


# Only these value types are written and read back: a stored name never imports anything else.
_VALUE_TYPES = {
    t.__name__: t
    for t in (
        IAMRole,
        IAMRoleFromConfig,
        S3DataPath,
        S3PathFromConfig,
        S3AutoCreatePath,
        RandomNamePolicyFactory,
        CustomNamePolicyFactory,
        CustomNamePolicyWithTimeStampSuffixFactory,
    )
}
_PLAIN_SETTINGS = (
    "trainingImage",
    "modelImage",
    "trainingInstanceType",
    "trainingInstanceCount",
    "endpointInstanceType",
    "endpointInitialInstanceCount",
    "hyperParameters",
    "trainingInstanceVolumeSizeInGB",
    "trainingProjectedColumns",
    "trainingChannelName",
    "trainingContentType",
    "trainingS3DataDistribution",
    "trainingSparkDataFormat",
    "trainingSparkDataFormatOptions",
    "trainingInputMode",
    "trainingCompressionCodec",
    "trainingMaxRuntimeInSeconds",
    "trainingKmsKeyId",
    "modelEnvironmentVariables",
    "modelPrependInputRowsToTransformationRows",
    "deleteStagingDataAfterTraining",
    "trainingManifest",
    "pollSeconds",
)
_VALUE_SETTINGS = (
    "sagemakerRole",
    "trainingInputS3DataPath",
    "trainingOutputS3DataPath",
    "namePolicyFactory",
)


def _value_to_json(value: Any) -> dict[str, Any]:
    kind = type(value).__name__
    if _VALUE_TYPES.get(kind) is not type(value):
        raise TypeError(f"{kind} cannot be persisted; use one of {sorted(_VALUE_TYPES)}")
    return {"type": kind, "fields": dict(vars(value))}


def _value_from_json(document: dict[str, Any]) -> Any:
    return _VALUE_TYPES[document["type"]](**document["fields"])


def _estimator_metadata(estimator: SageMakerEstimator) -> dict[str, Any]:
    extra = {name: getattr(estimator, name) for name in _PLAIN_SETTINGS}
    extra.update({name: _value_to_json(getattr(estimator, name)) for name in _VALUE_SETTINGS})
    extra["endpointCreationPolicy"] = estimator.endpointCreationPolicy.value
    extra["modelOptions"] = estimator.modelOptions
    extra.update(stage_wiring_to_json(estimator))
    return extra


class _EstimatorReader(MetadataReader):
    def __init__(self, cls: type[SageMakerEstimator]) -> None:
        super().__init__()
        self.cls = cls

    def load(self, path: str) -> SageMakerEstimator:
        meta = self.load_metadata(path)
        estimator = self.cls.__new__(self.cls)
        SageMakerEstimator.__init__(
            estimator,
            endpointCreationPolicy=EndpointCreationPolicy(meta["endpointCreationPolicy"]),
            uid=meta["uid"],
            **stage_wiring_from_json(meta),
            **{name: meta[name] for name in _PLAIN_SETTINGS},
            **{name: _value_from_json(meta[name]) for name in _VALUE_SETTINGS},
            **meta["modelOptions"],
        )
        DefaultParamsReader.getAndSetParams(estimator, meta)
        return estimator
