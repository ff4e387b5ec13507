"""Every setting of the SageMaker stages as a typed Spark Param.

Each is a ``StageSetting`` (``smspark_core.aws.setting``): it configures how a stage talks to
SageMaker (images, instances, S3 locations, codecs, request sizes, ...), never the
algorithm, so it is never sent as a hyperparameter. Because they are Params,
``explainParams()`` lists them, ``copy()`` and ``ParamGridBuilder`` work on them, and
persistence is pyspark's default Params machinery (``smspark_core.aws.persistence``) with no
hand-kept lists: each setting knows how its value is written as JSON (``persisted_as``), so
typed values (roles, S3 paths, name policies, the
codecs by registered name plus configuration) are saved as data, never pickled.

Settings are grouped by what they configure; the stages combine the groups they use:

* ``CodecSettings``: the request serializer and the response deserializer (every stage);
* ``EndpointSettings``: the model image and the endpoint (estimator and model);
* ``InvocationSettings``: how ``transform()`` calls the endpoint (estimator and model);
* ``TrainingSettings``: the training job (estimator);
* ``ModelSettings``: what only a fitted model has (its artifact, role, names, endpoint).

Values are checked when they are set (setters, constructor keywords, ``set``, ``copy``
with extra Params): a value of the wrong type is a ``TypeError``, one outside the domain a
``ValueError``, each naming the setting. The accessors (``setTrainingImage``,
``getTrainingImage``, ...) are generated into ``smspark_core.aws._accessors`` by
``python -m smspark_core.accessor_codegen`` (a test checks they are current).
"""

from __future__ import annotations

from smspark_core.aws._accessors import (
    CodecSettingsAccessors,
    EndpointSettingsAccessors,
    InvocationSettingsAccessors,
    ModelSettingsAccessors,
    TrainingSettingsAccessors,
)
from smspark_core.aws.persistence import (
    DESERIALIZER,
    ENDPOINT_POLICY,
    NAME_POLICY,
    RESOURCE,
    SERIALIZER,
)
from smspark_core.aws.resources import (
    EndpointCreationPolicy,
    IAMRoleFromConfig,
    IAMRoleResource,
    NamePolicy,
    NamePolicyFactory,
    RandomNamePolicyFactory,
    S3AutoCreatePath,
)
from smspark_core.aws.setting import (
    SettingDefaults,
    StageSetting,
    at_least,
    endpoint_policy,
    instance_count,
    instance_of,
    named,
    one_of,
    optional,
    positive,
    s3_location,
    string_list,
    string_map,
    to_bool,
    to_float,
    to_int,
    to_str,
    within,
)
from smspark_core.executor.invoke import (
    AUTO,
    DEFAULT_REQUEST_BYTES,
    DEFAULT_RETRY_DEADLINE_S,
    MAX_REQUEST_BYTES,
)
from smspark_core.transformation.deserializers import ResponseRowDeserializer
from smspark_core.transformation.serializers import RequestRowSerializer


def _concurrency(value: object) -> int | str:
    """``maxConcurrency``: an integer of at least 1, or ``"auto"``."""
    if isinstance(value, str):
        if value != AUTO:
            raise ValueError(f"must be an integer >= 1 or 'auto', got {value!r}")
        return value
    try:
        return at_least(1, to_int)(value)
    except TypeError:
        raise TypeError(
            f"expected an integer or 'auto', got {type(value).__name__} {value!r}"
        ) from None


# ------------------------------------------------------------------------------ groups


class CodecSettings(CodecSettingsAccessors, SettingDefaults):
    """How rows become requests and responses become columns."""

    requestRowSerializer = StageSetting(
        "requestRowSerializer",
        "Turns the input rows into request bodies (a RequestRowSerializer).",
        instance_of(RequestRowSerializer),
        "RequestRowSerializer",
        persisted_as=SERIALIZER,
    )
    responseRowDeserializer = StageSetting(
        "responseRowDeserializer",
        "Turns response bodies into prediction columns (a ResponseRowDeserializer).",
        instance_of(ResponseRowDeserializer),
        "ResponseRowDeserializer",
        persisted_as=DESERIALIZER,
    )


class EndpointSettings(EndpointSettingsAccessors, SettingDefaults):
    """The model image and the endpoint that serves it."""

    modelImage = StageSetting(
        "modelImage",
        "The image URI that serves the model (CreateModel.PrimaryContainer.Image).",
        optional(to_str),
        "str | None",
        default=None,
    )
    endpointInstanceType = StageSetting(
        "endpointInstanceType",
        "The endpoint's instance type (ProductionVariants.InstanceType); None for a "
        "serverless endpoint.",
        optional(to_str),
        "str | None",
        default=None,
    )
    endpointInitialInstanceCount = StageSetting(
        "endpointInitialInstanceCount",
        "The endpoint's instance count (ProductionVariants.InitialInstanceCount); None for a "
        "serverless endpoint.",
        optional(instance_count("endpointInitialInstanceCount")),
        "int | None",
        default=None,
    )
    modelEnvironmentVariables = StageSetting(
        "modelEnvironmentVariables",
        "Environment of the model container (CreateModel.PrimaryContainer.Environment).",
        string_map,
        "dict[str, str]",
        default={},
    )
    endpointCreationPolicy = StageSetting(
        "endpointCreationPolicy",
        "When the model, endpoint config and endpoint are created: CREATE_ON_CONSTRUCT, "
        "CREATE_ON_TRANSFORM or DO_NOT_CREATE.",
        endpoint_policy,
        "EndpointCreationPolicy",
        default=EndpointCreationPolicy.CREATE_ON_CONSTRUCT,
        persisted_as=ENDPOINT_POLICY,
    )
    keepFailedResources = StageSetting(
        "keepFailedResources",
        "Keep the model, endpoint config and endpoint when creating the endpoint fails "
        "(for debugging; they are named in the error). Off by default.",
        to_bool,
        "bool",
        default=False,
    )


class InvocationSettings(InvocationSettingsAccessors, SettingDefaults):
    """How ``transform()`` calls the endpoint (``smspark_core.executor.invoke``)."""

    maxConcurrency = StageSetting(
        "maxConcurrency",
        "Requests in flight per partition: a number, or 'auto' to adapt to what the endpoint "
        "takes (start low, grow while latency stays flat, back off on throttling or rising "
        "latency; smspark_core.executor.concurrency).",
        named("maxConcurrency", _concurrency),
        "int | str",
        default="auto",
    )
    maxRequestBytes = StageSetting(
        "maxRequestBytes",
        f"Largest request body in bytes, at most {MAX_REQUEST_BYTES} (the 6 MiB limit of "
        "InvokeEndpoint); rows are packed into requests up to it.",
        named("maxRequestBytes", within(1, MAX_REQUEST_BYTES, to_int)),
        "int",
        default=DEFAULT_REQUEST_BYTES,
    )
    maxRowsPerRequest = StageSetting(
        "maxRowsPerRequest",
        "Most rows in one request (None: only the byte limit applies).",
        optional(named("maxRowsPerRequest", at_least(1, to_int))),
        "int | None",
        default=None,
    )
    errorMode = StageSetting(
        "errorMode",
        "'fail': a request that fails for good fails the transform; 'column': its rows get "
        "null predictions and the error in the sagemaker_error column.",
        named("errorMode", one_of("fail", "column")),
        "str",
        default="fail",
    )
    retryModelErrors = StageSetting(
        "retryModelErrors",
        "Retry requests the model answered with an error (ModelError), not only throttling "
        "and transient faults.",
        to_bool,
        "bool",
        default=False,
    )
    retryDeadlineSeconds = StageSetting(
        "retryDeadlineSeconds",
        "How long one request is retried (throttling, 5xx, connection errors, model server "
        "restarts) before it fails for good, in seconds from its first attempt.",
        named("retryDeadlineSeconds", positive(to_float)),
        "float",
        default=DEFAULT_RETRY_DEADLINE_S,
    )


INVOCATION_SETTING_NAMES = (
    "maxConcurrency",
    "maxRequestBytes",
    "maxRowsPerRequest",
    "errorMode",
    "retryModelErrors",
    "retryDeadlineSeconds",
)


class TrainingSettings(TrainingSettingsAccessors, SettingDefaults):
    """The training job: the original's settings of ``SageMakerEstimator``."""

    trainingImage = StageSetting(
        "trainingImage",
        "The training image URI (AlgorithmSpecification.TrainingImage).",
        optional(to_str),
        "str | None",
        default=None,
    )
    trainingInstanceType = StageSetting(
        "trainingInstanceType",
        "The training instance type (ResourceConfig.InstanceType).",
        optional(to_str),
        "str | None",
        default=None,
    )
    trainingInstanceCount = StageSetting(
        "trainingInstanceCount",
        "The number of training instances (ResourceConfig.InstanceCount).",
        optional(instance_count("trainingInstanceCount")),
        "int | None",
        default=None,
    )
    hyperParameters = StageSetting(
        "hyperParameters",
        "Hyperparameters sent as they are; an algorithm's Params of the same name win.",
        string_map,
        "dict[str, str]",
        default={},
    )
    sagemakerRole = StageSetting(
        "sagemakerRole",
        "The IAM role SageMaker assumes (IAMRole, or IAMRoleFromConfig to read it from the "
        "Spark conf at fit time).",
        instance_of(IAMRoleResource),
        "IAMRoleResource",
        default=IAMRoleFromConfig(),
        persisted_as=RESOURCE,
    )
    trainingInputS3DataPath = StageSetting(
        "trainingInputS3DataPath",
        "Where the training data is staged (S3DataPath or an s3:// URI, S3PathFromConfig, or "
        "S3AutoCreatePath for the account's default bucket).",
        s3_location,
        "S3Resource",
        default=S3AutoCreatePath(),
        persisted_as=RESOURCE,
    )
    trainingOutputS3DataPath = StageSetting(
        "trainingOutputS3DataPath",
        "Where the model artifact is written (as trainingInputS3DataPath).",
        s3_location,
        "S3Resource",
        default=S3AutoCreatePath(),
        persisted_as=RESOURCE,
    )
    trainingInstanceVolumeSizeInGB = StageSetting(
        "trainingInstanceVolumeSizeInGB",
        "Storage of each training instance in GB (ResourceConfig.VolumeSizeInGB).",
        to_int,  # its range is the service's, checked with CreateTrainingJob before staging
        "int",
        default=1024,
    )
    trainingProjectedColumns = StageSetting(
        "trainingProjectedColumns",
        "The columns staged for training (None: every column).",
        optional(string_list),
        "list[str] | None",
        default=None,
    )
    trainingChannelName = StageSetting(
        "trainingChannelName",
        "The name of the training data's channel (InputDataConfig.ChannelName).",
        to_str,
        "str",
        default="train",
    )
    trainingContentType = StageSetting(
        "trainingContentType",
        "The training channel's content type (InputDataConfig.ContentType), if any.",
        optional(to_str),
        "str | None",
        default=None,
    )
    trainingS3DataDistribution = StageSetting(
        "trainingS3DataDistribution",
        "How the staged objects are spread over the instances: ShardedByS3Key or "
        "FullyReplicated (S3DataSource.S3DataDistributionType).",
        named("trainingS3DataDistribution", one_of("ShardedByS3Key", "FullyReplicated")),
        "str",
        default="ShardedByS3Key",
    )
    trainingSparkDataFormat = StageSetting(
        "trainingSparkDataFormat",
        "The Spark format the training data is staged in ('sagemaker' for RecordIO-protobuf, "
        "'libsvm', 'csv', 'parquet', ...).",
        to_str,
        "str",
        default="sagemaker",
    )
    trainingSparkDataFormatOptions = StageSetting(
        "trainingSparkDataFormatOptions",
        "Options of the staging format's writer.",
        string_map,
        "dict[str, str]",
        default={},
    )
    trainingInputMode = StageSetting(
        "trainingInputMode",
        "File, Pipe or FastFile (AlgorithmSpecification.TrainingInputMode).",
        named("trainingInputMode", one_of("File", "Pipe", "FastFile")),
        "str",
        default="File",
    )
    trainingCompressionCodec = StageSetting(
        "trainingCompressionCodec",
        "Compression of the staged data ('gzip'), if any (InputDataConfig.CompressionType).",
        optional(to_str),
        "str | None",
        default=None,
    )
    trainingMaxRuntimeInSeconds = StageSetting(
        "trainingMaxRuntimeInSeconds",
        "Longest training time (StoppingCondition.MaxRuntimeInSeconds).",
        to_int,  # its range is the service's, checked with CreateTrainingJob before staging
        "int",
        default=24 * 60 * 60,
    )
    trainingKmsKeyId = StageSetting(
        "trainingKmsKeyId",
        "KMS key of the model artifact (OutputDataConfig.KmsKeyId), if any.",
        optional(to_str),
        "str | None",
        default=None,
    )
    modelPrependInputRowsToTransformationRows = StageSetting(
        "modelPrependInputRowsToTransformationRows",
        "Whether the fitted model keeps the input columns beside its predictions.",
        to_bool,
        "bool",
        default=True,
    )
    deleteStagingDataAfterTraining = StageSetting(
        "deleteStagingDataAfterTraining",
        "Remove the staged training data when the job ends.",
        to_bool,
        "bool",
        default=True,
    )
    namePolicyFactory = StageSetting(
        "namePolicyFactory",
        "Makes the names of each fit's training job, model, endpoint config and endpoint.",
        instance_of(NamePolicyFactory),
        "NamePolicyFactory",
        default=RandomNamePolicyFactory(),
        persisted_as=RESOURCE,
    )
    trainingManifest = StageSetting(
        "trainingManifest",
        "Stage a manifest file naming the parts (S3DataType ManifestFile) instead of a prefix.",
        to_bool,
        "bool",
        default=False,
    )
    pollSeconds = StageSetting(
        "pollSeconds",
        "Seconds between the Describe calls that watch the training job and the endpoint.",
        named("pollSeconds", positive(to_float)),
        "float",
        default=5.0,
    )


class ModelSettings(ModelSettingsAccessors, SettingDefaults):
    """What a fitted model has beyond the estimator's settings."""

    existingEndpointName = StageSetting(
        "existingEndpointName",
        "An endpoint to use as it is (with DO_NOT_CREATE); never deleted by this model.",
        optional(to_str),
        "str | None",
        default=None,
    )
    modelPath = StageSetting(
        "modelPath",
        "The model artifact (an S3DataPath or s3:// URI) the model is created from.",
        optional(s3_location),
        "S3DataPath | None",
        default=None,
        persisted_as=RESOURCE,
    )
    modelExecutionRoleARN = StageSetting(
        "modelExecutionRoleARN",
        "The IAM role of the model (CreateModel.ExecutionRoleArn).",
        optional(to_str),
        "str | None",
        default=None,
    )
    prependResultRows = StageSetting(
        "prependResultRows",
        "Keep the input columns beside the predictions.",
        to_bool,
        "bool",
        default=True,
    )
    namePolicy = StageSetting(
        "namePolicy",
        "The names of the model, endpoint config and endpoint this model creates.",
        instance_of(NamePolicy),
        "NamePolicy",
        persisted_as=NAME_POLICY,
    )
    endpointPollSeconds = StageSetting(
        "endpointPollSeconds",
        "Seconds between the DescribeEndpoint calls that wait for the endpoint.",
        named("endpointPollSeconds", positive(to_float)),
        "float",
        default=5.0,
    )


__all__ = [
    "CodecSettings",
    "EndpointSettings",
    "InvocationSettings",
    "ModelSettings",
    "TrainingSettings",
]
