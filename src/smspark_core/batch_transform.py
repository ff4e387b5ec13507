"""``SageMakerBatchTransformer``: a pyspark.ml Transformer that runs a DataFrame through
SageMaker Batch Transform and appends the predictions, with no endpoint.

``transform(df)`` runs eagerly, like ``fit``: it stages each partition's request bytes (the
same ``RequestRowSerializer`` as endpoint transform, in its content type) to S3 from the
executors, creates the SageMaker model if the stage was given an image rather than a model
name, calls CreateTransformJob, watches it (status and the CloudWatch logs of
``/aws/sagemaker/TransformJobs``; Ctrl-C stops the job), reads the ``.out`` objects back on
the executors with the same ``ResponseRowDeserializer``, attaches each prediction to its
input row by partition and position, checking each row against the fingerprint of the
request it sent (``smspark_core.executor.batch_io``), materializes the result (``localCheckpoint``)
and then removes the staged input, output and fingerprints and the model it created. The
returned DataFrame no longer depends on anything in S3 or SageMaker. Cleanup runs after an
error, Ctrl-C or SystemExit too (both stop the job), never replaces the error, and
``getCreatedResources()`` says exactly what it removed and what it could not.

A separate stage, not a mode of ``SageMakerModel``: the two share codecs, but nothing of
their lifecycle (an endpoint that lives across calls versus resources that live for one
call) and few settings (invocation concurrency, request size and ``errorMode`` against
instance count, payload in MB, batch strategy, S3 staging), so one class with a mode would
carry Params that mean nothing in the other mode. ``from_model`` turns a fitted
``SageMakerModel`` into this stage in one line.

Settings are Spark Params named after the CreateTransformJob fields, with the service's
defaults, checked when set and again (with the whole request against botocore's model)
before any call.
"""

from __future__ import annotations

import copy as copy_module
import logging
import re
import time
import uuid
from collections import deque
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError
from pyspark.ml import Transformer
from pyspark.ml.util import MLReadable, MLReader, MLWritable, MLWriter
from pyspark.sql import DataFrame
from pyspark.sql.types import StringType, StructField, StructType
from pyspark.storagelevel import StorageLevel

from smspark_core.aws import ClientSpec, default_client_spec
from smspark_core.aws.jobs import (
    TRANSFORM,
    TransformJobFailed,
    call_with_backoff,
    control_plane_client,
    stop_job,
    watch_transform_job,
)
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
from smspark_core.aws.resources import _missing as is_missing
from smspark_core.aws.resources import check_name, split_s3_uri
from smspark_core.aws.service_model import request_problems
from smspark_core.batch_transform_settings import (
    MAX_PAYLOAD_MB,
    BatchTransformSettings,
    check_setting,
)
from smspark_core.codecs.inference_ids import (
    INFERENCE_ID_ACCEPTS,
    INFERENCE_ID_FIELD,
    INFERENCE_TIME_FIELD,
)
from smspark_core.executor.batch_io import (
    BatchReadBackError,
    attach_predictions,
    raised_on_executors,
    stage_requests,
    written_parts,
)
from smspark_core.executor.staging import StagedData, auto_create_bucket, remove_staging
from smspark_core.foundation.errors import add_note
from smspark_core.foundation.media_types import (
    CSV,
    JSON,
    JSONLINES,
    LIBSVM_TYPES,
    PROTOBUF,
    media_type,
)
from smspark_core.stage_params import CodecSettings
from smspark_core.transformation.deserializers import ResponseRowDeserializer
from smspark_core.transformation.serializers import RequestRowSerializer

log = logging.getLogger("smspark.batch")

# SplitType and AssembleWith that keep records apart for each content type.
SPLIT_FOR_CONTENT = {
    PROTOBUF: "RecordIO",
    CSV: "Line",
    JSONLINES: "Line",
    **dict.fromkeys(LIBSVM_TYPES, "Line"),
}
LINE_ACCEPTS = (CSV, JSONLINES, JSON, *LIBSVM_TYPES)
# A staged object's name up to its extension, as the job's FailureReason and logs spell it
# (staging.write_parts names them; the id is unique to one staging).
PART_STEM = re.compile(r"part-\d{5}-[0-9a-f]{32}")
REJECTED_LINES = 20  # log lines naming a staged object kept for the error of a failed job


@dataclass(frozen=True)
class BatchTransformResources:
    """What one ``transform`` created and what became of it. The job stays (SageMaker keeps
    transform jobs; they cannot be deleted); the model (when the stage made it), the staged
    input, the rows' fingerprints and the job's output are removed afterwards.

    ``deleted`` lists what existed and was removed; ``kept`` what was left on purpose
    (``deleteStagingDataAfterTransform=False``); ``notDeleted`` what cleanup could not
    remove (or a job it could not stop), and ``cleanupErrors`` says for each why and how to
    remove it by hand. A location that held nothing is in none of them."""

    transformJobName: str | None = None
    modelName: str | None = None
    inputS3Uri: str | None = None
    outputS3Uri: str | None = None
    fingerprintsS3Uri: str | None = None
    deleted: tuple[str, ...] = field(default=())
    kept: tuple[str, ...] = field(default=())
    notDeleted: tuple[str, ...] = field(default=())
    cleanupErrors: tuple[str, ...] = field(default=())


class SageMakerBatchTransformer(
    Transformer, CodecSettings, BatchTransformSettings, MLWritable, MLReadable
):
    """Predictions for a whole DataFrame from SageMaker Batch Transform (see the module
    docstring). Build it from a model name, an artifact and image, a training job, or a fitted
    ``SageMakerModel``; persisted as Spark ML metadata (Params, codecs by registered name and
    configuration, where to reach AWS; never credentials)."""

    def __init__(
        self,
        requestRowSerializer: RequestRowSerializer | None = None,
        responseRowDeserializer: ResponseRowDeserializer | None = None,
        *,
        uid: str | None = None,
        clientSpec: ClientSpec | None = None,
        sagemakerClient: Any = None,
        **params: Any,
    ) -> None:
        super().__init__()
        if uid:
            self._resetUid(uid)
        self._set_setting_defaults()
        self.clientSpec = clientSpec or default_client_spec()
        self.sagemakerClient = sagemakerClient or control_plane_client(self.clientSpec, "sagemaker")
        self._created = BatchTransformResources()
        self.timings: dict[str, float] = {}  # seconds of the last transform, by phase
        self.setParams(
            requestRowSerializer=requestRowSerializer,
            responseRowDeserializer=responseRowDeserializer,
            **params,
        )

    def setParams(self, **params: Any) -> SageMakerBatchTransformer:  # noqa: N802
        """Sets Params by name, each checked as its setter checks it; None leaves one as it
        is."""
        unknown = sorted(name for name in params if not self.hasParam(name))
        if unknown:
            raise TypeError(
                f"SageMakerBatchTransformer has no Param {unknown[0]!r}; Params: "
                f"{', '.join(sorted(p.name for p in self.params))}"
            )
        return self._set(**{name: value for name, value in params.items() if value is not None})

    # ---------------------------------------------------------------- factories

    @classmethod
    def from_model_name(
        cls,
        modelName: str,
        requestRowSerializer: RequestRowSerializer,
        responseRowDeserializer: ResponseRowDeserializer,
        **options: Any,
    ) -> SageMakerBatchTransformer:
        """Runs an existing SageMaker model (CreateModel done elsewhere; never deleted)."""
        return cls(requestRowSerializer, responseRowDeserializer, modelName=modelName, **options)

    @classmethod
    def from_model_s3_path(
        cls,
        modelPath: str,
        modelImage: str,
        modelExecutionRoleARN: str | None,
        requestRowSerializer: RequestRowSerializer,
        responseRowDeserializer: ResponseRowDeserializer,
        **options: Any,
    ) -> SageMakerBatchTransformer:
        """Runs an artifact (``s3://…/model.tar.gz``) in an image: each transform creates a
        SageMaker model for its job and deletes it afterwards."""
        return cls(
            requestRowSerializer,
            responseRowDeserializer,
            modelPath=modelPath,
            modelImage=modelImage,
            modelExecutionRoleARN=modelExecutionRoleARN,
            **options,
        )

    @classmethod
    def from_training_job(
        cls,
        trainingJobName: str,
        modelImage: str,
        modelExecutionRoleARN: str | None,
        requestRowSerializer: RequestRowSerializer,
        responseRowDeserializer: ResponseRowDeserializer,
        **options: Any,
    ) -> SageMakerBatchTransformer:
        """Runs the artifact of a Completed (or Stopped) training job."""
        spec = options.get("clientSpec") or default_client_spec()
        client = options.get("sagemakerClient") or control_plane_client(spec, "sagemaker")
        job = call_with_backoff(
            lambda: client.describe_training_job(TrainingJobName=trainingJobName)
        )
        if job["TrainingJobStatus"] not in ("Completed", "Stopped"):
            raise ValueError(
                f"training job {trainingJobName} is {job['TrainingJobStatus']}; a batch "
                "transform needs a Completed or Stopped job's model artifact"
            )
        return cls.from_model_s3_path(
            job["ModelArtifacts"]["S3ModelArtifacts"],
            modelImage,
            modelExecutionRoleARN,
            requestRowSerializer,
            responseRowDeserializer,
            **{"clientSpec": spec, "sagemakerClient": client, **options},
        )

    @classmethod
    def from_model(cls, model: Any, **options: Any) -> SageMakerBatchTransformer:
        """The same predictions as a fitted ``SageMakerModel``, through Batch Transform: its
        codecs, client, ``prependResultRows`` and endpoint instance type, and its image and
        artifact (or, for a model that only knows its endpoint, the endpoint's model)."""
        settings: dict[str, Any] = {
            "clientSpec": model.clientSpec,
            "sagemakerClient": model.sagemakerClient,
            "prependResultRows": model.getPrependResultRows(),
        }
        if model.getEndpointInstanceType():
            settings["instanceType"] = model.getEndpointInstanceType()
        image, path = model.getModelImage(), model.getModelPath()
        if image and path:
            settings.update(
                modelImage=image,
                modelPath=path.to_s3_uri(),
                modelEnvironmentVariables=dict(model.getModelEnvironmentVariables()),
                modelExecutionRoleARN=model.getModelExecutionRoleARN(),
            )
        elif model.getCreatedResources().modelName:
            settings["modelName"] = model.getCreatedResources().modelName
        elif model.endpointName:
            settings["modelName"] = _endpoint_model(model.sagemakerClient, model.endpointName)
        else:
            raise ValueError("the SageMakerModel has no image, artifact, model or endpoint")
        settings.update(options)
        return cls(model.getRequestRowSerializer(), model.getResponseRowDeserializer(), **settings)

    fromModelName = from_model_name
    fromModelS3Path = from_model_s3_path
    fromTrainingJob = from_training_job
    fromModel = from_model

    # ---------------------------------------------------------------- settings

    def getCreatedResources(self) -> BatchTransformResources:  # noqa: N802 - the original's name
        """What the last ``transform`` created, and which of it was deleted."""
        return self._created

    def _split_type(self) -> str:
        content_type, _ = media_type(self.getRequestRowSerializer().content_type)
        return self.getOrDefault("splitType") or SPLIT_FOR_CONTENT.get(content_type, "None")

    def _accept(self) -> str:
        return self.getOrDefault("accept") or self.getResponseRowDeserializer().accepts

    def _assemble_with(self) -> str:
        chosen = self.getOrDefault("assembleWith")
        if chosen:
            return chosen
        return "Line" if media_type(self._accept())[0] in LINE_ACCEPTS else "None"

    def check(self) -> None:
        """Raises ValueError naming the Param when the settings cannot make a transform job."""
        for param in self.params:
            check_setting(param.name, self.getOrDefault(param))
        get = self.getOrDefault
        if not get("instanceType"):
            raise ValueError(
                "instanceType is not set: Batch Transform needs an instance type such as "
                "'ml.m5.large'"
            )
        if bool(get("modelName")) == bool(get("modelImage")):
            raise ValueError(
                "set exactly one of modelName (an existing SageMaker model) and modelImage "
                f"(with modelPath: a model the stage creates); got modelName={get('modelName')!r}"
                f", modelImage={get('modelImage')!r}"
            )
        concurrency = get("maxConcurrentTransforms") or 1
        if concurrency * get("maxPayloadInMB") > MAX_PAYLOAD_MB:
            raise ValueError(
                f"maxConcurrentTransforms × maxPayloadInMB must be at most {MAX_PAYLOAD_MB} "
                f"(MB), got {concurrency} × {get('maxPayloadInMB')}"
            )
        capture = ("dataCaptureKmsKeyId", "generateInferenceId")
        if not get("dataCaptureDestinationS3Uri") and any(get(name) for name in capture):
            raise ValueError(
                "dataCaptureKmsKeyId and generateInferenceId need dataCaptureDestinationS3Uri"
            )
        if get("generateInferenceId") and (
            media_type(self._accept())[0] not in INFERENCE_ID_ACCEPTS
            or self._assemble_with() != "Line"
        ):
            raise ValueError(
                "generateInferenceId needs line-assembled CSV or JSON Lines output (the formats "
                f"SageMaker appends inference ids to record by record); got accept "
                f"{self._accept()!r} assembled with {self._assemble_with()!r}"
            )
        # The whole request against botocore's model, with stand-in names and locations.
        self.transform_job_request("check", "check", "s3://check/input", "s3://check/output")

    def transform_job_request(
        self, job_name: str, model_name: str, input_uri: str, output_uri: str
    ) -> dict[str, Any]:
        """The CreateTransformJob request for one run (public so that it can be reviewed)."""
        get = self.getOrDefault
        request: dict[str, Any] = {
            "TransformJobName": job_name,
            "ModelName": model_name,
            "MaxPayloadInMB": get("maxPayloadInMB"),
            "BatchStrategy": get("batchStrategy"),
            "ModelClientConfig": {
                "InvocationsTimeoutInSeconds": get("invocationsTimeoutInSeconds"),
                "InvocationsMaxRetries": get("invocationsMaxRetries"),
            },
            "TransformInput": {
                "DataSource": {
                    "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"{input_uri}/"}
                },
                "ContentType": self.getRequestRowSerializer().content_type,
                "CompressionType": get("compressionType"),
                "SplitType": self._split_type(),
            },
            "TransformOutput": {
                "S3OutputPath": f"{output_uri}/",
                "Accept": self._accept(),
                "AssembleWith": self._assemble_with(),
            },
            "TransformResources": {
                "InstanceType": get("instanceType"),
                "InstanceCount": get("instanceCount"),
            },
        }
        if get("maxConcurrentTransforms") is not None:
            request["MaxConcurrentTransforms"] = get("maxConcurrentTransforms")
        if get("environment"):
            request["Environment"] = dict(get("environment"))
        if get("tags"):
            request["Tags"] = [{"Key": k, "Value": v} for k, v in get("tags").items()]
        if get("outputKmsKeyId"):
            request["TransformOutput"]["KmsKeyId"] = get("outputKmsKeyId")
        if get("volumeKmsKeyId"):
            request["TransformResources"]["VolumeKmsKeyId"] = get("volumeKmsKeyId")
        if get("dataCaptureDestinationS3Uri"):
            capture: dict[str, Any] = {"DestinationS3Uri": get("dataCaptureDestinationS3Uri")}
            if get("dataCaptureKmsKeyId"):
                capture["KmsKeyId"] = get("dataCaptureKmsKeyId")
            if get("generateInferenceId"):
                capture["GenerateInferenceId"] = True
            request["DataCaptureConfig"] = capture
        problems = request_problems("CreateTransformJob", request)
        if problems:
            raise ValueError("the transform job request is invalid: " + "; ".join(problems))
        return request

    # ---------------------------------------------------------------- transform

    def transformSchema(self, schema: StructType) -> StructType:  # noqa: N802
        """The input columns (when prepending) and the deserializer's prediction columns."""
        self.getRequestRowSerializer().validate_schema(schema)
        predictions = list(self.getResponseRowDeserializer().schema.fields)
        if self.getOrDefault("generateInferenceId"):
            predictions += [
                StructField(INFERENCE_ID_FIELD, StringType(), False),
                StructField(INFERENCE_TIME_FIELD, StringType(), False),
            ]
        prepend = self.getOrDefault("prependResultRows")
        taken = set(schema.names) if prepend else set()
        clashes = [f.name for f in predictions if f.name in taken]
        if clashes:
            raise ValueError(
                f"prediction columns {clashes} already exist in the input; rename them or "
                "configure the deserializer's column names"
            )
        return StructType((list(schema.fields) if prepend else []) + predictions)

    def _names(self) -> tuple[str, str]:
        prefix = self.getOrDefault("jobNamePrefix")
        stamp = datetime.now().strftime("%Y-%m-%dT%H-%M-%S")
        uid = uuid.uuid4().hex[-12:]
        return (
            check_name(f"{prefix}transformJob-{uid}-{stamp}", "transform job name"),
            check_name(f"{prefix}model-{uid}-{stamp}", "model name"),
        )

    def _staging_prefix(self, job_name: str) -> str:
        base = self.getOrDefault("stagingS3Uri") or f"s3://{auto_create_bucket(self.clientSpec)}"
        return f"{base.rstrip('/')}/{job_name}"

    def _transform(self, dataset: DataFrame) -> DataFrame:
        """Runs every step, then cleans up whatever happened: an error, Ctrl-C or SystemExit
        is raised as it was, with a note naming what cleanup could not remove."""
        self.check()
        self.getRequestRowSerializer().set_schema(dataset.schema)
        out_schema = self.transformSchema(dataset.schema)
        job_name, own_model = self._names()
        prefix = self._staging_prefix(job_name)
        self._created = BatchTransformResources(
            inputS3Uri=f"{prefix}/input",
            outputS3Uri=f"{prefix}/output",
            fingerprintsS3Uri=f"{prefix}/fingerprints",
        )
        self.timings = {}
        try:
            result = self._run(dataset, out_schema, job_name, own_model)
        except BaseException as error:
            self._clean_up()
            if self._created.cleanupErrors:
                add_note(error, "cleanup: " + "\n  ".join(self._created.cleanupErrors))
            raise
        self._clean_up()
        return result

    def _run(
        self, dataset: DataFrame, out_schema: StructType, job_name: str, own_model: str
    ) -> DataFrame:
        created = self._created
        assert created.inputS3Uri and created.outputS3Uri and created.fingerprintsS3Uri
        model_name = self.getOrDefault("modelName") or own_model
        request = self.transform_job_request(
            job_name, model_name, created.inputS3Uri, created.outputS3Uri
        )
        started = time.monotonic()
        parts = stage_requests(
            dataset,
            self.getRequestRowSerializer(),
            created.inputS3Uri,
            created.outputS3Uri,
            created.fingerprintsS3Uri,
            self.clientSpec,
            split_type=self._split_type(),
            gzip=self.getOrDefault("compressionType") == "Gzip",
        )
        staged_at = time.monotonic()
        self.timings["staging"] = staged_at - started
        log.info(
            "staged %d rows in %d parts at %s in %.1f s",
            sum(p.rows for p in parts),
            sum(1 for p in parts if p.input_key),
            created.inputS3Uri,
            staged_at - started,
        )
        if not any(p.input_key for p in parts):
            log.info("no rows to transform: no transform job created")
            self.timings.update(job=0.0, read_back=0.0)
            return dataset.sparkSession.createDataFrame([], out_schema)
        if not self.getOrDefault("modelName"):
            self._record(modelName=model_name)  # first: Ctrl-C during CreateModel cleans up too
            self._create_model(model_name)
        self._run_job(request, parts, created.outputS3Uri)
        job_done = time.monotonic()
        self.timings["job"] = job_done - staged_at
        with raised_on_executors():
            result = attach_predictions(
                dataset,
                parts,
                split_s3_uri(created.outputS3Uri)[0],
                self.getRequestRowSerializer(),
                self.getResponseRowDeserializer(),
                out_schema,
                self.clientSpec,
                accept=self._accept(),
                assemble_with=self._assemble_with(),
                prepend=self.getOrDefault("prependResultRows"),
                inference_ids=self.getOrDefault("generateInferenceId"),
            ).localCheckpoint(eager=True, storageLevel=StorageLevel.MEMORY_AND_DISK)
            total, expected = result.count(), sum(p.rows for p in parts)
        if total != expected:
            raise BatchReadBackError(
                f"the read-back has {total} rows for {expected} staged rows: the input's "
                "partitions changed between staging and read-back; checkpoint it first"
            )
        self.timings["read_back"] = time.monotonic() - job_done
        return result

    def _record(self, **changes: Any) -> None:
        self._created = replace(self._created, **changes)

    def _create_model(self, name: str) -> None:
        get = self.getOrDefault
        container: dict[str, Any] = {
            "ContainerHostname": name,
            "Image": get("modelImage"),
            "Environment": dict(get("modelEnvironmentVariables")),
        }
        if get("modelPath"):
            container["ModelDataUrl"] = get("modelPath")
        request: dict[str, Any] = {"ModelName": name, "PrimaryContainer": container}
        if get("modelExecutionRoleARN"):
            request["ExecutionRoleArn"] = get("modelExecutionRoleARN")
        if get("tags"):
            request["Tags"] = [{"Key": k, "Value": v} for k, v in get("tags").items()]
        call_with_backoff(lambda: self.sagemakerClient.create_model(**request))
        log.info("created model %s", name)

    def _run_job(self, request: dict[str, Any], parts: list, output_uri: str) -> None:
        """CreateTransformJob and the watch. Ctrl-C or SystemExit stops the job, also while
        CreateTransformJob is under way (the job may exist without its answer); a request
        the service refused made no job."""
        job_name = request["TransformJobName"]
        log.info("CreateTransformJob %s", request)
        try:
            call_with_backoff(lambda: self.sagemakerClient.create_transform_job(**request))
        except ClientError:
            raise
        except BaseException:
            self._record(transformJobName=job_name)
            self._stop_job(job_name)
            raise
        self._record(transformJobName=job_name)
        try:
            self._watch(job_name, parts, output_uri)
        except SystemExit:  # the watch itself stops the job on KeyboardInterrupt
            self._stop_job(job_name)
            raise

    def _stop_job(self, job_name: str) -> None:
        """StopTransformJob; a failure is reported (never raised over the interrupt)."""
        try:
            stop_job(TRANSFORM, self.sagemakerClient, job_name)
        except Exception as error:  # noqa: BLE001 - reported by name with the remedy
            self._left_behind(
                f"transform job {job_name}",
                f"could not stop it ({error}); it may still be running: aws sagemaker "
                f"stop-transform-job --transform-job-name {job_name}",
            )

    def _watch(self, job_name: str, parts: list, output_uri: str) -> None:
        stems = {_stem(part.input_key) for part in parts if part.input_key}
        naming_parts: deque[str] = deque(maxlen=REJECTED_LINES)

        def keep_if_it_names_a_part(line: str) -> None:
            if any(found in stems for found in PART_STEM.findall(line)):
                naming_parts.append(line)

        try:
            watch_transform_job(
                self.sagemakerClient,
                control_plane_client(self.clientSpec, "logs"),
                job_name,
                timeout_seconds=self.getOrDefault("timeoutInSeconds"),
                poll_seconds=self.getOrDefault("pollSeconds"),
                on_log_line=keep_if_it_names_a_part,
                describe_progress=lambda: written_parts(parts, output_uri, self.clientSpec),
            )
        except TransformJobFailed as error:
            reason = (error.job or {}).get("FailureReason", "")
            located = _locate_rejected(reason, [*naming_parts, *error.last_log_lines], parts)
            if located:
                located_error = TransformJobFailed(f"{error}\n  {located}", error.job, [])
                located_error.last_log_lines = error.last_log_lines
                raise located_error from error
            raise

    def _clean_up(self) -> None:
        """Removes the staged input and output (unless kept), the rows' fingerprints and the
        model the stage created, and records in the report exactly what was removed and
        what was not. Never raises: a failure is recorded with the resource's name and how
        to remove it by hand, and logged."""
        started = time.monotonic()
        created = self._created
        staging = [created.fingerprintsS3Uri]
        if self.getOrDefault("deleteStagingDataAfterTransform"):
            staging += [created.inputS3Uri, created.outputS3Uri]
        else:
            kept = tuple(uri for uri in (created.inputS3Uri, created.outputS3Uri) if uri)
            self._record(kept=kept)
            log.info("kept the staged input and output: %s", ", ".join(kept))
        for uri in filter(None, staging):
            try:
                removed = remove_staging(StagedData(uri, "S3Prefix", uri), self.clientSpec)
            except Exception as error:  # noqa: BLE001 - reported by name with the remedy
                self._left_behind(
                    uri, f"could not delete it ({error}): aws s3 rm --recursive {uri}/"
                )
                continue
            log.info("removed %d objects under %s", removed, uri)
            if removed:
                self._record(deleted=(*self._created.deleted, uri))
        if created.modelName:
            try:
                existed = self._delete_model(created.modelName)
            except Exception as error:  # noqa: BLE001 - reported by name with the remedy
                self._left_behind(
                    created.modelName,
                    f"could not delete the model ({error}): aws sagemaker delete-model "
                    f"--model-name {created.modelName}",
                )
            else:
                if existed:
                    self._record(deleted=(*self._created.deleted, created.modelName))
                else:  # interrupted before CreateModel made it
                    self._record(modelName=None)
        self.timings["cleanup"] = time.monotonic() - started

    def _delete_model(self, name: str) -> bool:
        """DeleteModel; False when there was no such model."""
        try:
            call_with_backoff(lambda: self.sagemakerClient.delete_model(ModelName=name))
        except ClientError as error:
            if is_missing(error):
                return False
            raise
        log.info("deleted model %s", name)
        return True

    def _left_behind(self, name: str, problem: str) -> None:
        log.warning("%s: %s", name, problem)
        self._record(
            notDeleted=(*self._created.notDeleted, name),
            cleanupErrors=(*self._created.cleanupErrors, f"{name}: {problem}"),
        )

    # ---------------------------------------------------------------- copies, persistence

    def copy(self, extra: dict | None = None) -> SageMakerBatchTransformer:
        that = copy_module.copy(self)
        that._paramMap, that._defaultParamMap = {}, {}
        self._copyValues(that, extra or {})
        that._created = BatchTransformResources()
        that.timings = {}
        return that

    def write(self) -> MLWriter:
        return MetadataWriter(
            self, lambda stage: {"clientSpec": client_spec_to_json(stage.clientSpec)}
        )

    @classmethod
    def read(cls) -> MLReader:
        return _Reader()


def _endpoint_model(sagemaker: Any, endpoint: str) -> str:
    """The model behind an endpoint's first variant."""
    config = call_with_backoff(lambda: sagemaker.describe_endpoint(EndpointName=endpoint))
    variants = call_with_backoff(
        lambda: sagemaker.describe_endpoint_config(EndpointConfigName=config["EndpointConfigName"])
    )["ProductionVariants"]
    return variants[0]["ModelName"]


def _locate_rejected(reason: str, log_lines: list[str], parts: list) -> str | None:
    """Which partition and rows the job rejected, where its FailureReason or its log lines
    name a staged object. The service's FailureReason usually only says to see the logs,
    whose data log names the object (``<bucket>/<key>: ClientError: 400``); the local
    backend names it in both, with the records."""
    by_stem = {_stem(part.input_key): part for part in parts if part.input_key}
    for text in (reason, *reversed(log_lines)):
        for stem in PART_STEM.findall(text):
            part = by_stem.get(stem)
            if part is None:
                continue
            where = "the job's FailureReason" if text is reason else f"the job's log: {text}"
            return (
                f"the rejected object {part.input_key} holds partition {part.partition} "
                f"({part.rows} rows, in order; record numbers in the job's logs are row "
                f"positions within that partition); named in {where}"
            )
    return None


def _stem(key: str) -> str:
    return key.rsplit("/", 1)[-1].split(".", 1)[0]


class _Reader(MetadataReader):
    def load(self, path: str) -> SageMakerBatchTransformer:
        meta = self.load_metadata(path)
        stage = SageMakerBatchTransformer(
            uid=meta["uid"], clientSpec=client_spec_from_json(meta.get("clientSpec", {}))
        )
        if "smsparkFormat" in meta:
            restore_params(stage, saved_params(meta), saved_params(meta, "defaultParamMap"))
        else:  # smspark 0.1: the codecs beside the Params
            params = {
                "requestRowSerializer": SERIALIZER.from_json(meta["serializer"]),
                "responseRowDeserializer": DESERIALIZER.from_json(meta["deserializer"]),
                **saved_params(meta),
            }
            restore_params(stage, params, {}, encoded=False)
        return stage
