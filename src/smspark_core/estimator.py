"""``SageMakerEstimator``: a pyspark.ml Estimator whose ``fit()`` trains on SageMaker and
returns a ``SageMakerModel``.

``fit`` follows the original step by step: names from the name policy, the role, the S3
locations, staging the (projected) data from the executors, CreateTrainingJob with every
field the original fills, watching the job (status and CloudWatch logs as they arrive,
throttling tolerated, the timeout in *seconds*), removing the staging data (on success, on
failure and on Ctrl-C, which also stops the job), then the model from the job's artifact.
Hyperparameters are the ``hyperParameters`` map plus every Spark Param that is set or has a
default and is not a ``StageSetting`` (algorithm subclasses declare those Params under the
SageMaker hyperparameter keys).

Every setting is a Spark Param (``smspark_core.stage_params``): constructor keywords in the
original's order set them, as do the generated setters (``setTrainingInstanceType``, ...),
``copy(extra)`` and ``ParamGridBuilder``. The SageMaker client and the client spec are the
stage's collaborators, not settings: they are never saved.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from pyspark.ml import Estimator
from pyspark.ml.util import MLReadable, MLReader, MLWritable, MLWriter
from pyspark.sql import DataFrame

from smspark_core.aws import ClientSpec, default_client_spec, with_driver_clients
from smspark_core.aws.hosting_options import HOSTING_OPTION_NAMES, HostingOptions
from smspark_core.aws.jobs import call_with_backoff, control_plane_client, watch_training_job
from smspark_core.aws.persistence import (
    DESERIALIZER,
    ENDPOINT_POLICY,
    RESOURCE,
    SERIALIZER,
    MetadataReader,
    MetadataWriter,
    client_spec_from_json,
    client_spec_to_json,
    restore_params,
    saved_params,
)
from smspark_core.aws.preflight import check_endpoint_settings, check_request, check_s3_location
from smspark_core.aws.resources import (
    CreatedResources,
    EndpointCreationPolicy,
    NamePolicy,
    S3DataPath,
)
from smspark_core.aws.setting import StageSetting
from smspark_core.aws.training_options import TrainingOptions
from smspark_core.codecs.hyperparameter_text import hyperparameter_text
from smspark_core.executor.staging import StagedData, delete_staging, resolve_s3_path, stage
from smspark_core.foundation.errors import SmsparkError, add_note
from smspark_core.model import SageMakerModel
from smspark_core.stage_params import (
    INVOCATION_SETTING_NAMES,
    CodecSettings,
    EndpointSettings,
    InvocationSettings,
    TrainingSettings,
)
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


class MissingSettingError(SmsparkError, ValueError):
    """A setting ``fit()`` needs was not given; the message names it and its setter."""


class SageMakerEstimator(
    Estimator,
    CodecSettings,
    TrainingSettings,
    EndpointSettings,
    InvocationSettings,
    TrainingOptions,
    HostingOptions,
    MLWritable,
    MLReadable,
):
    """Trains any SageMaker-compatible image on a DataFrame (see the module docstring).

    Persisted as Spark ML metadata (also inside a Pipeline) by its Params: typed values
    (roles, S3 locations, name policy factories) as data, the codecs by registered name plus
    their configuration; never pickled, no credentials.
    """

    def __init__(
        self,
        trainingImage: str | None = None,
        modelImage: str | None = None,
        trainingInstanceType: str | None = None,
        trainingInstanceCount: int | None = None,
        endpointInstanceType: str | None = None,
        endpointInitialInstanceCount: int | None = None,
        requestRowSerializer: RequestRowSerializer | None = None,
        responseRowDeserializer: ResponseRowDeserializer | None = None,
        hyperParameters: dict[str, str] | None = None,
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
        sagemakerRole: Any = None,
        s3Client: Any = None,
        stsClient: Any = None,
        modelPrependInputRowsToTransformationRows: bool | None = None,
        deleteStagingDataAfterTraining: bool | None = None,
        namePolicyFactory: Any = None,
        uid: str | None = None,
        *,
        clientSpec: ClientSpec | None = None,
        **settings: Any,
    ) -> None:
        """Keywords are the original's, in its order; ``settings`` are the other Params by
        name (``maxConcurrency``, ``retryDeadlineSeconds``, the training options such as
        ``tags`` and ``vpcConfig``, the hosting options such as ``hostingTags``, ...). An
        omitted or None keyword keeps the setting's default."""
        super().__init__()
        if uid:
            self._resetUid(uid)  # rebinds the Params too: they must belong to this uid
        self._set_setting_defaults()
        # s3Client and stsClient serve the driver's S3 and account calls, as in the original.
        self.clientSpec = with_driver_clients(
            clientSpec or default_client_spec(), s3=s3Client, sts=stsClient
        )
        self.sagemakerClient = sagemakerClient or control_plane_client(self.clientSpec, "sagemaker")
        self.latestTrainingJob: str | None = None
        self.setParams(
            trainingImage=trainingImage,
            modelImage=modelImage,
            trainingInstanceType=trainingInstanceType,
            trainingInstanceCount=trainingInstanceCount,
            endpointInstanceType=endpointInstanceType,
            endpointInitialInstanceCount=endpointInitialInstanceCount,
            requestRowSerializer=requestRowSerializer,
            responseRowDeserializer=responseRowDeserializer,
            hyperParameters=hyperParameters,
            trainingInputS3DataPath=trainingInputS3DataPath,
            trainingOutputS3DataPath=trainingOutputS3DataPath,
            trainingInstanceVolumeSizeInGB=trainingInstanceVolumeSizeInGB,
            trainingProjectedColumns=trainingProjectedColumns,
            trainingChannelName=trainingChannelName,
            trainingContentType=trainingContentType,
            trainingS3DataDistribution=trainingS3DataDistribution,
            trainingSparkDataFormat=trainingSparkDataFormat,
            trainingSparkDataFormatOptions=trainingSparkDataFormatOptions,
            trainingInputMode=trainingInputMode,
            trainingCompressionCodec=trainingCompressionCodec,
            trainingMaxRuntimeInSeconds=trainingMaxRuntimeInSeconds,
            trainingKmsKeyId=trainingKmsKeyId,
            modelEnvironmentVariables=modelEnvironmentVariables,
            endpointCreationPolicy=endpointCreationPolicy,
            sagemakerRole=sagemakerRole,
            modelPrependInputRowsToTransformationRows=modelPrependInputRowsToTransformationRows,
            deleteStagingDataAfterTraining=deleteStagingDataAfterTraining,
            namePolicyFactory=namePolicyFactory,
            **settings,
        )

    def setParams(self, **settings: Any) -> SageMakerEstimator:  # noqa: N802 - pyspark's name
        """Sets Params by name; None leaves a setting as it is. A name that is no Param of
        this estimator is a ``TypeError`` listing them."""
        unknown = sorted(name for name in settings if not self.hasParam(name))
        if unknown:
            raise TypeError(
                f"{type(self).__name__} got unexpected keyword arguments {unknown}; its "
                f"Params: {', '.join(sorted(p.name for p in self.params))}"
            )
        return self._set(**{name: value for name, value in settings.items() if value is not None})

    @property
    def s3Client(self) -> Any:  # noqa: N802 - the original's name
        """The S3 client of the driver's calls: the one given, or the configured default."""
        return self.clientSpec.client("s3")

    @property
    def stsClient(self) -> Any:  # noqa: N802 - the original's name
        """The STS client of the account lookup: the one given, or the configured default."""
        return self.clientSpec.client("sts")

    def make_hyperparameters(self) -> dict[str, str]:
        """The ``hyperParameters`` map, overridden by every Spark Param that is set or
        defaulted and is not a setting."""
        values = dict(self.getHyperParameters())
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

    def stage_extra_channels(
        self, input_path: S3DataPath
    ) -> list[tuple[dict[str, Any], StagedData]]:
        """Channels of the training job besides the training data (an algorithm's ``test``
        channel), staged by the subclass once the training data is, beside it under
        ``input_path``: each its InputDataConfig entry and where it was staged, which ``fit``
        removes with the training data. The base has none."""
        return []

    def _check_requests(
        self,
        names: NamePolicy,
        role: str,
        input_path: S3DataPath,
        output: S3DataPath,
        hyperparameters: dict[str, str],
    ) -> None:
        """CreateTrainingJob and, if fit creates an endpoint, the hosting requests, checked
        as SageMaker checks them before anything is staged (the data's future location
        stands in for the staged channel)."""
        planned = StagedData(
            input_path.to_s3_uri(),
            "ManifestFile" if self.getTrainingManifest() else "S3Prefix",
            input_path.to_s3_uri(),
        )
        check_request(
            "CreateTrainingJob",
            self._training_request(names.trainingJobName, role, planned, output, hyperparameters),
        )
        if self.getEndpointCreationPolicy() != EndpointCreationPolicy.DO_NOT_CREATE:
            check_endpoint_settings(
                self.getEndpointInstanceType(),
                self.getEndpointInitialInstanceCount(),
                self.getModelImage(),
                serverless=self.is_serverless(),
                names=names,
                role_arn=role,
                environment=self.getModelEnvironmentVariables(),
            )

    def _required(self, *names: str) -> None:
        missing = [name for name in names if self.getOrDefault(name) is None]
        if missing:
            raise MissingSettingError(
                f"{type(self).__name__}: {', '.join(missing)} must be set before fit "
                f"(constructor keywords or set{missing[0][0].upper()}{missing[0][1:]}(...))"
            )

    def _training_request(
        self, job: str, role: str, staged, output: S3DataPath, hyperparameters: dict[str, str]
    ) -> dict:
        source = {
            "S3DataType": staged.data_type,
            "S3Uri": staged.s3_uri,
            "S3DataDistributionType": self.getTrainingS3DataDistribution(),
        }
        channel: dict[str, Any] = {
            "ChannelName": self.getTrainingChannelName(),
            "DataSource": {"S3DataSource": source},
        }
        if self.getTrainingContentType():
            channel["ContentType"] = self.getTrainingContentType()
        if self.getTrainingCompressionCodec():
            channel["CompressionType"] = "Gzip"
        request: dict[str, Any] = {
            "TrainingJobName": job,
            "AlgorithmSpecification": {
                "TrainingImage": self.getTrainingImage(),
                "TrainingInputMode": self.getTrainingInputMode(),
            },
            "RoleArn": role,
            "InputDataConfig": [channel],
            "OutputDataConfig": {"S3OutputPath": output.to_s3_uri()},
            "ResourceConfig": {
                "InstanceType": self.getTrainingInstanceType(),
                "InstanceCount": self.getTrainingInstanceCount(),
                "VolumeSizeInGB": self.getTrainingInstanceVolumeSizeInGB(),
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": self.getTrainingMaxRuntimeInSeconds()},
        }
        if hyperparameters:
            request["HyperParameters"] = hyperparameters
        if self.getTrainingKmsKeyId():
            request["OutputDataConfig"]["KmsKeyId"] = self.getTrainingKmsKeyId()
        self.apply_training_options(request)
        return request

    def _check_before_any_call(self) -> None:
        """Settings that must hold before anything is staged or created."""
        self._required(
            "trainingImage",
            "trainingInstanceType",
            "trainingInstanceCount",
            "requestRowSerializer",
            "responseRowDeserializer",
        )
        self.check_training_options(self.getTrainingMaxRuntimeInSeconds())
        if self.getEndpointCreationPolicy() != EndpointCreationPolicy.DO_NOT_CREATE:
            self.check_hosting_options(
                self.getEndpointInstanceType(), self.getEndpointInitialInstanceCount()
            )
            check_endpoint_settings(
                self.getEndpointInstanceType(),
                self.getEndpointInitialInstanceCount(),
                self.getModelImage(),
                serverless=self.is_serverless(),
            )

    def _fit(self, dataset: DataFrame) -> SageMakerModel:
        self._check_before_any_call()
        hyperparameters = self._fit_hyperparameters(dataset)
        names = self.getNamePolicyFactory().create_name_policy()
        job = names.trainingJobName
        conf = dataset.sparkSession.conf  # the session's conf: classic and Connect alike
        role = self.getSagemakerRole().resolve(conf)
        input_path = resolve_s3_path(self.getTrainingInputS3DataPath(), job, conf, self.clientSpec)
        output_path = resolve_s3_path(
            self.getTrainingOutputS3DataPath(), job, conf, self.clientSpec
        )
        self._check_requests(names, role, input_path, output_path, hyperparameters)
        check_s3_location(
            input_path,
            self.clientSpec,
            "trainingInputS3DataPath",
            needs_delete=self.getDeleteStagingDataAfterTraining(),
        )
        check_s3_location(output_path, self.clientSpec, "trainingOutputS3DataPath")
        projected = self.getTrainingProjectedColumns()
        data = dataset.select(*projected) if projected else dataset
        started = time.monotonic()
        staged = stage(
            data,
            self.getTrainingSparkDataFormat(),
            self.getTrainingSparkDataFormatOptions(),
            input_path,
            self.clientSpec,
            compression=self.getTrainingCompressionCodec(),
            manifest=self.getTrainingManifest(),
        )
        log.info("staged training data at %s in %.1f s", staged.s3_uri, time.monotonic() - started)
        if staged.rows is not None:
            try:
                self.check_training_rows(staged.rows)
            except BaseException:
                delete_staging(staged, self.clientSpec)  # no job will read it
                raise
        extra: list[tuple[dict[str, Any], StagedData]] = []
        try:
            extra = self.stage_extra_channels(input_path)
            self.latestTrainingJob = job
            request = self._training_request(job, role, staged, output_path, hyperparameters)
            request["InputDataConfig"] += [channel for channel, _ in extra]
            log.info("CreateTrainingJob %s", request)
            call_with_backoff(lambda: self.sagemakerClient.create_training_job(**request))
            description = watch_training_job(
                self.sagemakerClient,
                control_plane_client(self.clientSpec, "logs"),
                job,
                timeout_seconds=self.getTrainingMaxRuntimeInSeconds(),
                poll_seconds=self.getPollSeconds(),
            )
        finally:
            if self.getDeleteStagingDataAfterTraining():
                for placed in (staged, *(placed for _, placed in extra)):
                    removed = delete_staging(placed, self.clientSpec)
                    log.info("removed %d staged objects under %s", removed, placed.prefix_uri)
        artifact = description["ModelArtifacts"]["S3ModelArtifacts"]
        try:
            return self._model(artifact, role, names)
        except Exception as error:
            raise HostingAfterTrainingFailed(job, artifact, error) from error
        except BaseException as interrupt:  # Ctrl-C or SystemExit while the endpoint starts
            add_note(
                interrupt,
                f"training job {job} had completed (model artifact {artifact}); "
                f"SageMakerModel.from_training_job({job!r}, ...) hosts it without training again",
            )
            raise

    def _model(self, artifact: str, role: str, names: Any) -> SageMakerModel:
        """The model of a trained artifact, with this estimator's endpoint, invocation and
        hosting settings (creating its endpoint now if the policy says so)."""
        return SageMakerModel(
            requestRowSerializer=self.getRequestRowSerializer(),
            responseRowDeserializer=self.model_deserializer(),
            modelPath=artifact,
            modelExecutionRoleARN=role,
            sagemakerClient=self.sagemakerClient,
            prependResultRows=self.getModelPrependInputRowsToTransformationRows(),
            namePolicy=names,
            uid=self.uid,
            clientSpec=self.clientSpec,
            endpointPollSeconds=self.getPollSeconds(),
            **self.setting_values(MODEL_SETTING_NAMES),
        )

    def model_deserializer(self) -> ResponseRowDeserializer:
        """The deserializer of the model ``fit`` returns (subclasses may pick one by Param)."""
        return self.getResponseRowDeserializer()

    def transformSchema(self, schema):  # noqa: N802 - pyspark's name
        """Algorithm subclasses check their required Params here; the base accepts."""
        return schema

    # ------------------------------------------------------------------ persistence

    def write(self) -> MLWriter:
        return MetadataWriter(
            self, lambda stage: {"clientSpec": client_spec_to_json(stage.clientSpec)}
        )

    @classmethod
    def read(cls) -> MLReader:
        return _EstimatorReader(cls)


# What the estimator hands the model it returns, by the same names.
MODEL_SETTING_NAMES = (
    "modelImage",
    "endpointInstanceType",
    "endpointInitialInstanceCount",
    "modelEnvironmentVariables",
    "endpointCreationPolicy",
    "keepFailedResources",
    *INVOCATION_SETTING_NAMES,
    *HOSTING_OPTION_NAMES,
)


class _EstimatorReader(MetadataReader):
    def __init__(self, cls: type[SageMakerEstimator]) -> None:
        super().__init__()
        self.cls = cls

    def load(self, path: str) -> SageMakerEstimator:
        meta = self.load_metadata(path)
        estimator = self.cls(
            uid=meta["uid"], clientSpec=client_spec_from_json(meta.get("clientSpec", {}))
        )
        if "smsparkFormat" in meta:
            restore_params(estimator, saved_params(meta), saved_params(meta, "defaultParamMap"))
        else:
            restore_params(estimator, _params_saved_by_0_1(meta), {}, encoded=False)
        return estimator


# smspark 0.1 saved these settings as extra fields, typed ones encoded as Params are now.
_SAVED_BY_0_1 = {
    "trainingImage": None,
    "modelImage": None,
    "trainingInstanceType": None,
    "trainingInstanceCount": None,
    "endpointInstanceType": None,
    "endpointInitialInstanceCount": None,
    "hyperParameters": None,
    "trainingInstanceVolumeSizeInGB": None,
    "trainingProjectedColumns": None,
    "trainingChannelName": None,
    "trainingContentType": None,
    "trainingS3DataDistribution": None,
    "trainingSparkDataFormat": None,
    "trainingSparkDataFormatOptions": None,
    "trainingInputMode": None,
    "trainingCompressionCodec": None,
    "trainingMaxRuntimeInSeconds": None,
    "trainingKmsKeyId": None,
    "modelEnvironmentVariables": None,
    "modelPrependInputRowsToTransformationRows": None,
    "deleteStagingDataAfterTraining": None,
    "trainingManifest": None,
    "pollSeconds": None,
    "sagemakerRole": RESOURCE,
    "trainingInputS3DataPath": RESOURCE,
    "trainingOutputS3DataPath": RESOURCE,
    "namePolicyFactory": RESOURCE,
    "endpointCreationPolicy": ENDPOINT_POLICY,
}


def _params_saved_by_0_1(meta: dict[str, Any]) -> dict[str, Any]:
    """The Params of an estimator smspark 0.1 saved (``tests/data/saved_0_1``), decoded."""
    params = {
        name: codec.from_json(meta[name]) if codec and meta[name] is not None else meta[name]
        for name, codec in _SAVED_BY_0_1.items()
    }
    params["requestRowSerializer"] = SERIALIZER.from_json(meta["serializer"])
    params["responseRowDeserializer"] = DESERIALIZER.from_json(meta["deserializer"])
    params.update(meta["modelOptions"])
    for name, saved in saved_params(meta).items():  # the options were Params already
        params[name] = saved
    return {name: value for name, value in params.items() if value is not None}
