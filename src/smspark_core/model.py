"""``SageMakerModel``: a pyspark.ml Model whose ``transform()`` runs a DataFrame through a
SageMaker endpoint and appends the predictions.

Constructor keywords and the three endpoint creation policies follow sagemaker_pyspark.
Differences from the original: ``transform`` keeps exactly one output row per input row (a
response with the wrong number of predictions is an error); requests go out several at a
time with retries (see ``smspark_core.executor.invoke``); ``getCreatedResources`` reports only what
this model created, never an endpoint it was given; a copy keeps its creation policy.

Every setting is a Spark Param (``smspark_core.stage_params``), set by the original's
constructor keywords, the generated setters or ``copy(extra)``. The model's state (what it
created) is saved beside its Params.
"""

from __future__ import annotations

import copy as copy_module
import uuid
from typing import Any

from pyspark.ml import Model
from pyspark.ml.util import MLReadable, MLReader, MLWritable, MLWriter
from pyspark.sql import DataFrame, Observation
from pyspark.sql.types import StringType, StructField, StructType

from smspark_core.aws import ClientSpec, default_client_spec
from smspark_core.aws.hosting import create_hosting_resources, require_instance_count
from smspark_core.aws.hosting_options import (
    HostingOptions,
    RuntimeOptions,
)
from smspark_core.aws.jobs import call_with_backoff, control_plane_client
from smspark_core.aws.persistence import (
    DESERIALIZER,
    SERIALIZER,
    MetadataReader,
    MetadataWriter,
    client_spec_from_json,
    client_spec_to_json,
    restore_params,
    saved_params,
)
from smspark_core.aws.preflight import check_endpoint_settings
from smspark_core.aws.resources import (
    CreatedResources,
    CustomNamePolicy,
    EndpointCreationPolicy,
    NamePolicy,
    RandomNamePolicy,
    S3DataPath,
    SageMakerResourceCleanup,
)
from smspark_core.executor import transform_stats
from smspark_core.executor.endpoint_transform import ERROR_COLUMN, PartitionPredictor, predicted
from smspark_core.executor.invoke import DEFAULT_RETRY_DEADLINE_S, InvokeSettings
from smspark_core.stage_params import (
    CodecSettings,
    EndpointSettings,
    InvocationSettings,
    ModelSettings,
)
from smspark_core.transformation.deserializers import ResponseRowDeserializer
from smspark_core.transformation.serializers import RequestRowSerializer


def _driver_client(sagemakerClient: Any, options: dict[str, Any]) -> tuple[ClientSpec, Any]:
    """The client spec a factory passes on, and the SageMaker client it calls now."""
    spec = options.get("clientSpec") or default_client_spec()
    return spec, sagemakerClient or control_plane_client(spec, "sagemaker")


class SageMakerModel(
    Model,
    CodecSettings,
    EndpointSettings,
    ModelSettings,
    InvocationSettings,
    HostingOptions,
    RuntimeOptions,
    MLWritable,
    MLReadable,
):
    """Runs rows through a SageMaker endpoint (see the module docstring).

    The production options of its endpoint (``HostingOptions``: tags, VPC, KMS, data
    capture, serverless) and of its requests (``RuntimeOptions``: TargetVariant,
    CustomAttributes, ...) are Spark Params too (``smspark_core.aws.hosting_options``).

    Persisted as Spark ML metadata (``save``/``load``, also inside a PipelineModel): its
    Params (the codecs by registered name plus their JSON configuration, never pickled) and
    the resources it created. A loaded model reuses the endpoint.
    """

    def __init__(
        self,
        endpointInstanceType: str | None = None,
        endpointInitialInstanceCount: int | None = None,
        requestRowSerializer: RequestRowSerializer | None = None,
        responseRowDeserializer: ResponseRowDeserializer | None = None,
        existingEndpointName: str | None = None,
        modelImage: str | None = None,
        modelPath: S3DataPath | str | None = None,
        modelEnvironmentVariables: dict[str, str] | None = None,
        modelExecutionRoleARN: str | None = None,
        endpointCreationPolicy: EndpointCreationPolicy = EndpointCreationPolicy.CREATE_ON_CONSTRUCT,
        sagemakerClient: Any = None,
        prependResultRows: bool | None = None,
        namePolicy: NamePolicy | None = None,
        uid: str | None = None,
        *,
        clientSpec: ClientSpec | None = None,
        **settings: Any,
    ) -> None:
        """Keywords are the original's, in its order; ``settings`` are the other Params by
        name (``maxConcurrency``, ``errorMode``, ``retryDeadlineSeconds``, the hosting and
        runtime options such as ``serverlessMemorySizeInMB`` or ``customAttributes``)."""
        super().__init__()
        if uid:
            self._resetUid(uid)  # rebinds the Params too: they must belong to this uid
        self._set_setting_defaults()
        self._setDefault(namePolicy=RandomNamePolicy())
        self.clientSpec = clientSpec or default_client_spec()
        self.sagemakerClient = sagemakerClient or control_plane_client(self.clientSpec, "sagemaker")
        self._created = CreatedResources()
        self._observation: Observation | None = None
        self.setParams(
            endpointInstanceType=endpointInstanceType,
            endpointInitialInstanceCount=endpointInitialInstanceCount,
            requestRowSerializer=requestRowSerializer,
            responseRowDeserializer=responseRowDeserializer,
            existingEndpointName=existingEndpointName,
            modelImage=modelImage,
            modelPath=modelPath,
            modelEnvironmentVariables=modelEnvironmentVariables,
            modelExecutionRoleARN=modelExecutionRoleARN,
            endpointCreationPolicy=endpointCreationPolicy,
            prependResultRows=prependResultRows,
            namePolicy=namePolicy,
            **settings,
        )
        self.check_runtime_options()
        if (
            self.getExistingEndpointName()
            and self.getEndpointCreationPolicy() != EndpointCreationPolicy.DO_NOT_CREATE
        ):
            raise ValueError(
                "SageMakerModel's endpoint creation policy must be DO_NOT_CREATE if creating an "
                "SageMakerModel from an existing endpoint."
            )
        if self.getEndpointCreationPolicy() == EndpointCreationPolicy.CREATE_ON_CONSTRUCT:
            self._create_hosting_resources()

    def setParams(self, **settings: Any) -> SageMakerModel:  # noqa: N802 - pyspark's name
        """Sets Params by name; None leaves a setting as it is. A name that is no Param of
        this model is a ``TypeError`` listing them."""
        unknown = sorted(name for name in settings if not self.hasParam(name))
        if unknown:
            raise TypeError(
                f"SageMakerModel got unexpected keyword arguments {unknown}; its Params: "
                f"{', '.join(sorted(p.name for p in self.params))}"
            )
        return self._set(**{name: value for name, value in settings.items() if value is not None})

    # ------------------------------------------------------------------ endpoint

    @property
    def endpointName(self) -> str | None:
        return self.getExistingEndpointName() or self._created.endpointName

    def getCreatedResources(self) -> CreatedResources:  # noqa: N802 - the original's name
        """What this model created: never an endpoint it was given or shares with its source."""
        return self._created

    @property
    def resourceCleanup(self) -> SageMakerResourceCleanup:  # noqa: N802 - the original's name
        """A cleanup on this model's SageMaker client:
        ``model.resourceCleanup.deleteResources(model.getCreatedResources())``."""
        return SageMakerResourceCleanup(self.sagemakerClient)

    def _create_hosting_resources(self) -> None:
        serverless = self.is_serverless()
        instance_type, count = (
            self.getEndpointInstanceType(),
            self.getEndpointInitialInstanceCount(),
        )
        image, path = self.getModelImage(), self.getModelPath()
        self.check_hosting_options(instance_type, count)
        check_endpoint_settings(instance_type, count, image, serverless=serverless)
        assert image  # check_endpoint_settings refused an empty one
        self._created = create_hosting_resources(
            self.sagemakerClient,
            self.getNamePolicy(),
            image=image,
            model_data_url=path.to_s3_uri() if path else None,
            environment=self.getModelEnvironmentVariables(),
            role_arn=self.getModelExecutionRoleARN(),
            instance_type=instance_type,
            instance_count=None if serverless else require_instance_count(count),
            poll_seconds=self.getEndpointPollSeconds(),
            keep_failed=self.getKeepFailedResources(),
            options=self,
        )

    # ------------------------------------------------------------------ factories

    @classmethod
    def from_endpoint(
        cls,
        endpointName: str,
        requestRowSerializer: RequestRowSerializer,
        responseRowDeserializer: ResponseRowDeserializer,
        modelEnvironmentVariables: dict[str, str] | None = None,
        sagemakerClient: Any = None,
        prependResultRows: bool = True,
        namePolicy: NamePolicy | None = None,
        uid: str | None = None,
        **options: Any,
    ) -> SageMakerModel:
        """A model on an endpoint that already exists and is InService (never deleted by
        this model's cleanup)."""
        spec, client = _driver_client(sagemakerClient, options)
        endpoint = call_with_backoff(lambda: client.describe_endpoint(EndpointName=endpointName))
        status = endpoint["EndpointStatus"]
        if status != "InService":
            raise ValueError(f"Endpoint status must be In Service, not {status}")
        return cls(
            None,
            None,
            requestRowSerializer,
            responseRowDeserializer,
            existingEndpointName=endpointName,
            modelEnvironmentVariables=modelEnvironmentVariables,
            endpointCreationPolicy=EndpointCreationPolicy.DO_NOT_CREATE,
            sagemakerClient=client,
            prependResultRows=prependResultRows,
            namePolicy=namePolicy,
            uid=uid,
            **{"clientSpec": spec, **options},
        )

    @classmethod
    def from_model_s3_path(
        cls,
        modelPath: str,
        modelImage: str,
        modelExecutionRoleARN: str | None,
        endpointInstanceType: str,
        endpointInitialInstanceCount: int,
        requestRowSerializer: RequestRowSerializer,
        responseRowDeserializer: ResponseRowDeserializer,
        modelEnvironmentVariables: dict[str, str] | None = None,
        endpointCreationPolicy: EndpointCreationPolicy = EndpointCreationPolicy.CREATE_ON_CONSTRUCT,
        sagemakerClient: Any = None,
        prependResultRows: bool = True,
        namePolicy: NamePolicy | None = None,
        uid: str | None = None,
        **options: Any,
    ) -> SageMakerModel:
        """A model hosting an artifact (``s3://…/model.tar.gz``) trained anywhere."""
        if endpointCreationPolicy == EndpointCreationPolicy.DO_NOT_CREATE:
            raise ValueError(
                "Endpoint creation policy must not be DO_NOT_CREATE to create an endpoint from "
                "a model path."
            )
        return cls(
            endpointInstanceType,
            endpointInitialInstanceCount,
            requestRowSerializer,
            responseRowDeserializer,
            modelImage=modelImage,
            modelPath=S3DataPath.from_s3_uri(modelPath),
            modelEnvironmentVariables=modelEnvironmentVariables,
            modelExecutionRoleARN=modelExecutionRoleARN,
            endpointCreationPolicy=endpointCreationPolicy,
            sagemakerClient=sagemakerClient,
            prependResultRows=prependResultRows,
            namePolicy=namePolicy,
            uid=uid,
            **options,
        )

    @classmethod
    def from_training_job(
        cls,
        trainingJobName: str,
        modelImage: str,
        modelExecutionRoleARN: str | None,
        endpointInstanceType: str,
        endpointInitialInstanceCount: int,
        requestRowSerializer: RequestRowSerializer,
        responseRowDeserializer: ResponseRowDeserializer,
        modelEnvironmentVariables: dict[str, str] | None = None,
        endpointCreationPolicy: EndpointCreationPolicy = EndpointCreationPolicy.CREATE_ON_CONSTRUCT,
        sagemakerClient: Any = None,
        prependResultRows: bool = True,
        namePolicy: NamePolicy | None = None,
        uid: str | None = None,
        **options: Any,
    ) -> SageMakerModel:
        """A model hosting the artifact of a Completed (or Stopped) training job."""
        if endpointCreationPolicy == EndpointCreationPolicy.DO_NOT_CREATE:
            raise ValueError(
                "Endpoint creation policy must not be DO_NOT_CREATE to create an endpoint from "
                "a training job name."
            )
        spec, client = _driver_client(sagemakerClient, options)
        job = call_with_backoff(
            lambda: client.describe_training_job(TrainingJobName=trainingJobName)
        )
        if job["TrainingJobStatus"] not in ("Completed", "Stopped"):
            raise ValueError(
                "Can only create a SageMakerModel from a training job with status Completed or "
                f"Stopped, not status {job['TrainingJobStatus']}"
            )
        return cls.from_model_s3_path(
            job["ModelArtifacts"]["S3ModelArtifacts"],
            modelImage,
            modelExecutionRoleARN,
            endpointInstanceType,
            endpointInitialInstanceCount,
            requestRowSerializer,
            responseRowDeserializer,
            modelEnvironmentVariables,
            endpointCreationPolicy,
            client,
            prependResultRows,
            namePolicy,
            uid,
            **{"clientSpec": spec, **options},
        )

    fromEndpoint = from_endpoint
    fromModelS3Path = from_model_s3_path
    fromTrainingJob = from_training_job

    # ------------------------------------------------------------------ transform

    def transformSchema(self, schema: StructType) -> StructType:  # noqa: N802
        """The output schema: the input columns (when prepending) and the predictions."""
        self.getRequestRowSerializer().validate_schema(schema)
        predictions = list(self.getResponseRowDeserializer().schema.fields)
        if self.getErrorMode() == "column":
            # A request that failed for good leaves its rows' predictions null.
            predictions = [StructField(f.name, f.dataType, True, f.metadata) for f in predictions]
            predictions.append(StructField(ERROR_COLUMN, StringType(), True))
        taken = set(schema.names) if self.getPrependResultRows() else set()
        clashes = [f.name for f in predictions if f.name in taken]
        if clashes:
            raise ValueError(
                f"prediction columns {clashes} already exist in the input; rename them or "
                "configure the deserializer's column names"
            )
        return StructType(
            (list(schema.fields) if self.getPrependResultRows() else []) + predictions
        )

    def _invoke_settings(self) -> InvokeSettings:
        """How ``transform()`` calls the endpoint: the model's settings, its runtime options
        (checked here) and, for a serverless endpoint, requests cut under its 4 MB limit.
        Each call is a new transform: with ``maxConcurrency="auto"`` its limit starts afresh
        (``smspark_core.executor.concurrency``)."""
        self.check_runtime_options()
        if self.endpointName is None:
            raise ValueError("Endpoint name is empty. Create an endpoint to set the endpoint name.")
        return InvokeSettings(
            self.endpointName,
            self.getRequestRowSerializer().content_type,
            self.getResponseRowDeserializer().accepts,
            max_request_bytes=self.max_request_bytes(self.getMaxRequestBytes()),
            max_rows_per_request=self.getMaxRowsPerRequest(),
            max_concurrency=self.getMaxConcurrency(),
            deadline_seconds=self.getRetryDeadlineSeconds(),
            retry_model_errors=self.getRetryModelErrors(),
            error_mode=self.getErrorMode(),
            request_fields=tuple(self.runtime_fields().items()),
            read_timeout=self.read_timeout_seconds(),
            transform_id=uuid.uuid4().hex,
        )

    def _transform(self, dataset: DataFrame) -> DataFrame:
        if (
            self.getEndpointCreationPolicy() == EndpointCreationPolicy.CREATE_ON_TRANSFORM
            and self.endpointName is None
        ):
            self._create_hosting_resources()
        if self.endpointName is None:
            raise ValueError("Endpoint name is empty. Create an endpoint to set the endpoint name.")
        serializer = self.getRequestRowSerializer()
        serializer.set_schema(dataset.schema)
        out_schema = self.transformSchema(dataset.schema)
        keep_input = self.getPrependResultRows()
        predict_partition = PartitionPredictor(
            self._invoke_settings(),
            self.clientSpec,
            serializer,
            self.getResponseRowDeserializer(),
            keep_input,
            tuple(dataset.columns),
        )
        predictions = out_schema.fields[len(dataset.columns) if keep_input else 0 :]
        read = serializer.columns_read(dataset.schema)
        mapped = predicted(dataset, predict_partition, predictions, read)
        result, self._observation = transform_stats.observe(mapped)
        return result

    # ------------------------------------------------------------------ copies

    def copy(self, extra: dict | None = None) -> SageMakerModel:
        """A copy that uses this model's endpoint (if it has one) without owning it."""
        that = copy_module.copy(self)
        that._paramMap, that._defaultParamMap = {}, {}
        self._copyValues(that, extra or {})
        that._created = CreatedResources()
        that._observation = None  # its own transforms' figures, not this model's
        if self.endpointName is not None:
            that._set(existingEndpointName=self.endpointName)
        return that

    @property
    def transformStats(self) -> dict:  # noqa: N802
        """What the requests of the last ``transform()`` did, over the first action run on
        the DataFrame it returned (zeros until that action finishes): ``requests`` answered,
        ``attempts`` (every HTTP attempt), ``retries`` and ``retries_by_cause`` (throttling,
        server_error, connection, model_error), ``failed_requests`` (failed for good: in
        ``errorMode="column"`` their rows carry the error), ``task_retries`` (Spark task
        attempts that failed and were replaced), ``partitions``, ``peak_in_flight`` (the
        most requests one partition had outstanding), ``bytes_sent``/``rows_sent`` and per
        request, and ``concurrency``: the limit's path (``final``, the mean over partitions
        of the limit each ended with; ``peak``; ``low``; ``throttle_cuts``), which
        ``maxConcurrency="auto"`` adapts and a number fixes. Gathered with ``DataFrame.observe``, so
        it works over Spark Connect too (see ``smspark_core.executor.transform_stats``)."""
        return transform_stats.read(getattr(self, "_observation", None))

    # ------------------------------------------------------------------ persistence

    def write(self) -> MLWriter:
        return MetadataWriter(self, _model_state)

    @classmethod
    def read(cls) -> MLReader:
        return _ModelReader()


def _model_state(model: SageMakerModel) -> dict[str, Any]:
    """What a model saves beside its Params: what it created, and its region."""
    return {
        "createdResources": vars(model.getCreatedResources()),
        "clientSpec": client_spec_to_json(model.clientSpec),
    }


class _ModelReader(MetadataReader):
    def load(self, path: str) -> SageMakerModel:
        meta = self.load_metadata(path)
        model = SageMakerModel(
            endpointCreationPolicy=EndpointCreationPolicy.DO_NOT_CREATE,
            uid=meta["uid"],
            clientSpec=client_spec_from_json(meta.get("clientSpec", {})),
        )
        if "smsparkFormat" in meta:
            restore_params(model, saved_params(meta), saved_params(meta, "defaultParamMap"))
        else:
            restore_params(model, _params_saved_by_0_1(meta), {}, encoded=False)
        model._created = CreatedResources(**meta["createdResources"])
        return model


# smspark 0.1's names of the invocation settings.
_INVOKE_SETTINGS_0_1 = {
    "max_concurrency": "maxConcurrency",
    "max_request_bytes": "maxRequestBytes",
    "max_rows_per_request": "maxRowsPerRequest",
    "error_mode": "errorMode",
    "retry_model_errors": "retryModelErrors",
    "deadline_seconds": "retryDeadlineSeconds",
}


def _params_saved_by_0_1(meta: dict[str, Any]) -> dict[str, Any]:
    """The Params of a model smspark 0.1 saved (``tests/data/saved_0_1``), decoded."""
    params: dict[str, Any] = {
        name: meta[name]
        for name in (
            "endpointInstanceType",
            "endpointInitialInstanceCount",
            "existingEndpointName",
            "modelImage",
            "modelPath",
            "modelEnvironmentVariables",
            "modelExecutionRoleARN",
            "prependResultRows",
            "endpointPollSeconds",
        )
    }
    params["endpointCreationPolicy"] = EndpointCreationPolicy(meta["endpointCreationPolicy"])
    params["namePolicy"] = CustomNamePolicy(*meta["namePolicy"])
    params["keepFailedResources"] = meta.get("keepFailedResources", False)
    params["requestRowSerializer"] = SERIALIZER.from_json(meta["serializer"])
    params["responseRowDeserializer"] = DESERIALIZER.from_json(meta["deserializer"])
    saved = meta["invokeSettings"]
    params.update({new: saved[old] for old, new in _INVOKE_SETTINGS_0_1.items() if old in saved})
    params.setdefault("retryDeadlineSeconds", DEFAULT_RETRY_DEADLINE_S)
    params.update(saved_params(meta))  # the hosting and runtime options were Params already
    return {name: value for name, value in params.items() if value is not None}
