"""The settings of ``SageMakerBatchTransformer`` as typed Spark Params, and the service's rules
for their values.

Each is a ``StageSetting`` named after the CreateTransformJob field it fills, with the
service's default. A value is converted and held to the service's rules (choices, ranges,
instance types from botocore's model, s3:// URIs, limits on maps) whenever it is set, so a
refused value is never stored; ``SageMakerBatchTransformer.check`` applies the same rules
to the whole stage before any call. The accessors are generated into
``smspark_core.aws._accessors`` (``python -m smspark_core.accessor_codegen``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from smspark_core.aws._accessors import BatchTransformSettingsAccessors
from smspark_core.aws.resources import split_s3_uri
from smspark_core.aws.service_model import enum_values
from smspark_core.aws.setting import (
    SettingDefaults,
    StageSetting,
    optional,
    string_map,
    to_bool,
    to_float,
    to_int,
    to_str,
)

MAX_PAYLOAD_MB = 100


def _checked(name: str, convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``convert``, then the service's rules for ``name`` (a ``ValueError`` naming it), so a
    refused value is never stored, however it is set."""

    def check(value: Any) -> Any:
        converted = convert(value)
        check_setting(name, converted)
        return converted

    return check


class BatchTransformSettings(BatchTransformSettingsAccessors, SettingDefaults):
    """Every setting of ``SageMakerBatchTransformer``, named after the CreateTransformJob
    field it fills, with the service's defaults; each value is held to the service's rules
    when it is set (``check_setting``)."""

    modelName = StageSetting(
        "modelName",
        "An existing SageMaker model to run (never deleted).",
        _checked("modelName", optional(to_str)),
        "str | None",
        default=None,
    )
    modelImage = StageSetting(
        "modelImage",
        "The inference image of a model the stage creates.",
        _checked("modelImage", optional(to_str)),
        "str | None",
        default=None,
    )
    modelPath = StageSetting(
        "modelPath",
        "The s3:// model artifact of a model the stage creates.",
        _checked("modelPath", optional(to_str)),
        "str | None",
        default=None,
    )
    modelEnvironmentVariables = StageSetting(
        "modelEnvironmentVariables",
        "The container environment of a model the stage creates.",
        _checked("modelEnvironmentVariables", string_map),
        "dict[str, str]",
        default={},
    )
    modelExecutionRoleARN = StageSetting(
        "modelExecutionRoleARN",
        "The IAM role of a model the stage creates.",
        _checked("modelExecutionRoleARN", optional(to_str)),
        "str | None",
        default=None,
    )
    instanceType = StageSetting(
        "instanceType",
        "TransformResources.InstanceType.",
        _checked("instanceType", optional(to_str)),
        "str | None",
        default=None,
    )
    instanceCount = StageSetting(
        "instanceCount",
        "TransformResources.InstanceCount.",
        _checked("instanceCount", to_int),
        "int",
        default=1,
    )
    maxConcurrentTransforms = StageSetting(
        "maxConcurrentTransforms",
        "Requests in flight per instance; None lets SageMaker choose.",
        _checked("maxConcurrentTransforms", optional(to_int)),
        "int | None",
        default=None,
    )
    maxPayloadInMB = StageSetting(
        "maxPayloadInMB",
        "The largest mini-batch in MB (0: unlimited, chunked).",
        _checked("maxPayloadInMB", to_int),
        "int",
        default=6,
    )
    batchStrategy = StageSetting(
        "batchStrategy",
        "MultiRecord or SingleRecord.",
        _checked("batchStrategy", to_str),
        "str",
        default="MultiRecord",
    )
    splitType = StageSetting(
        "splitType",
        "None, Line, RecordIO or TFRecord; unset: the serializer's content type decides.",
        _checked("splitType", optional(to_str)),
        "str | None",
        default=None,
    )
    assembleWith = StageSetting(
        "assembleWith",
        "None or Line; unset: Line for line-oriented Accept types, None otherwise.",
        _checked("assembleWith", optional(to_str)),
        "str | None",
        default=None,
    )
    accept = StageSetting(
        "accept",
        "TransformOutput.Accept; unset: the deserializer's.",
        _checked("accept", optional(to_str)),
        "str | None",
        default=None,
    )
    compressionType = StageSetting(
        "compressionType",
        "None or Gzip (staged input).",
        _checked("compressionType", to_str),
        "str",
        default="None",
    )
    invocationsTimeoutInSeconds = StageSetting(
        "invocationsTimeoutInSeconds",
        "ModelClientConfig, 1..3600.",
        _checked("invocationsTimeoutInSeconds", to_int),
        "int",
        default=600,
    )
    invocationsMaxRetries = StageSetting(
        "invocationsMaxRetries",
        "ModelClientConfig, 0..3.",
        _checked("invocationsMaxRetries", to_int),
        "int",
        default=3,
    )
    environment = StageSetting(
        "environment",
        "The transform job's Environment.",
        _checked("environment", string_map),
        "dict[str, str]",
        default={},
    )
    tags = StageSetting(
        "tags",
        "Tags of the transform job and of a model the stage creates.",
        _checked("tags", string_map),
        "dict[str, str]",
        default={},
    )
    outputKmsKeyId = StageSetting(
        "outputKmsKeyId",
        "TransformOutput.KmsKeyId.",
        _checked("outputKmsKeyId", optional(to_str)),
        "str | None",
        default=None,
    )
    volumeKmsKeyId = StageSetting(
        "volumeKmsKeyId",
        "TransformResources.VolumeKmsKeyId.",
        _checked("volumeKmsKeyId", optional(to_str)),
        "str | None",
        default=None,
    )
    dataCaptureDestinationS3Uri = StageSetting(
        "dataCaptureDestinationS3Uri",
        "DataCaptureConfig.DestinationS3Uri.",
        _checked("dataCaptureDestinationS3Uri", optional(to_str)),
        "str | None",
        default=None,
    )
    dataCaptureKmsKeyId = StageSetting(
        "dataCaptureKmsKeyId",
        "DataCaptureConfig.KmsKeyId.",
        _checked("dataCaptureKmsKeyId", optional(to_str)),
        "str | None",
        default=None,
    )
    generateInferenceId = StageSetting(
        "generateInferenceId",
        "DataCaptureConfig.GenerateInferenceId.",
        _checked("generateInferenceId", to_bool),
        "bool",
        default=False,
    )
    stagingS3Uri = StageSetting(
        "stagingS3Uri",
        "S3:// prefix for staged input and output; unset: <account>-sagemaker-<region>.",
        _checked("stagingS3Uri", optional(to_str)),
        "str | None",
        default=None,
    )
    deleteStagingDataAfterTransform = StageSetting(
        "deleteStagingDataAfterTransform",
        "Remove staged input and output afterwards.",
        _checked("deleteStagingDataAfterTransform", to_bool),
        "bool",
        default=True,
    )
    prependResultRows = StageSetting(
        "prependResultRows",
        "Keep the input columns before the predictions.",
        _checked("prependResultRows", to_bool),
        "bool",
        default=True,
    )
    jobNamePrefix = StageSetting(
        "jobNamePrefix",
        "Prefix of generated job and model names.",
        _checked("jobNamePrefix", to_str),
        "str",
        default="",
    )
    timeoutInSeconds = StageSetting(
        "timeoutInSeconds",
        "How long transform waits for the job before stopping it.",
        _checked("timeoutInSeconds", to_float),
        "float",
        default=86400.0,
    )
    pollSeconds = StageSetting(
        "pollSeconds",
        "Seconds between DescribeTransformJob calls.",
        _checked("pollSeconds", to_float),
        "float",
        default=5.0,
    )


_CHOICES = {
    "batchStrategy": ("MultiRecord", "SingleRecord"),
    "splitType": (None, "None", "Line", "RecordIO", "TFRecord"),
    "assembleWith": (None, "None", "Line"),
    "compressionType": ("None", "Gzip"),
}
_RANGES = {
    "instanceCount": (1, None),
    "maxConcurrentTransforms": (0, None),
    "maxPayloadInMB": (0, MAX_PAYLOAD_MB),
    "invocationsTimeoutInSeconds": (1, 3600),
    "invocationsMaxRetries": (0, 3),
}


def check_setting(name: str, value: Any) -> None:
    """One Param's value against the service's rules (ValueError naming the Param)."""
    if name in _CHOICES and value not in _CHOICES[name]:
        allowed = ", ".join(str(c) for c in _CHOICES[name] if c is not None)
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    if name in _RANGES and value is not None:
        low, high = _RANGES[name]
        if value < low or (high is not None and value > high):
            bound = f"{low}..{high}" if high is not None else f">= {low}"
            raise ValueError(f"{name} must be {bound}, got {value}")
    if name == "instanceType" and value is not None and value not in _instance_types():
        raise ValueError(
            f"instanceType {value!r} is not a Batch Transform instance type (for example "
            "ml.m5.large, ml.c5.xlarge; botocore's TransformInstanceType lists them)"
        )
    if name in ("environment", "modelEnvironmentVariables") and len(value) > 16:
        raise ValueError(f"{name} holds {len(value)} variables; SageMaker allows 16")
    if name == "tags" and len(value) > 50:
        raise ValueError(f"tags holds {len(value)} tags; SageMaker allows 50")
    s3_uris = ("stagingS3Uri", "modelPath", "dataCaptureDestinationS3Uri")
    if name in s3_uris and value:
        try:
            if not value.startswith("s3://"):
                raise ValueError("not an s3:// URI")
            split_s3_uri(value)
        except ValueError as problem:
            raise ValueError(f"{name} must be an s3:// URI, got {value!r} ({problem})") from None
    if name in ("timeoutInSeconds", "pollSeconds") and value <= 0:
        raise ValueError(f"{name} must be positive, got {value}")


def _instance_types() -> list[str]:
    return enum_values("TransformInstanceType")
