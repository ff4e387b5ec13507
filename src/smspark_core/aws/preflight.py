"""Checks ``fit()`` makes on the driver before any Spark job or AWS resource: a missing
staging bucket or a denied prefix would otherwise surface as a long stack trace from inside
a Spark task (never naming the bucket), and a bad endpoint setting (an instance type the
service does not know, ...) only after a training job had been paid for.

Requests are checked with botocore's model of each operation and the service's own rules
(``service_model``), so what is refused here is what SageMaker would refuse, in its words,
with the setting that filled the field.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from smspark_core.aws import ClientSpec
from smspark_core.aws.hosting import hosting_requests, require_instance_count
from smspark_core.aws.resources import NamePolicy, S3DataPath
from smspark_core.aws.service_model import request_problems, service_rule_problems
from smspark_core.foundation.errors import SmsparkError

log = logging.getLogger("smspark.preflight")


class S3LocationError(SmsparkError):
    """An S3 location fit() needs that does not exist or cannot be written."""


class RequestRefused(SmsparkError, ValueError):
    """A request SageMaker would refuse, found before anything was staged, trained or
    created; the message names each refused field and the setting that filled it."""


# Member paths (as the service words them) -> the setting that fills the field.
_SETTINGS = (
    ("trainingJobName", "the name policy's training job name"),
    ("algorithmSpecification.trainingImage", "trainingImage"),
    ("algorithmSpecification.trainingInputMode", "trainingInputMode"),
    ("roleArn", "sagemakerRole"),
    ("inputDataConfig.1.member.channelName", "trainingChannelName"),
    ("inputDataConfig.1.member.contentType", "trainingContentType"),
    ("inputDataConfig.1.member.dataSource.s3DataSource.s3DataDistributionType",
     "trainingS3DataDistribution"),
    ("inputDataConfig", "trainingInputS3DataPath"),
    ("outputDataConfig.kmsKeyId", "trainingKmsKeyId"),
    ("outputDataConfig", "trainingOutputS3DataPath"),
    ("resourceConfig.instanceType", "trainingInstanceType"),
    ("resourceConfig.instanceCount", "trainingInstanceCount"),
    ("resourceConfig.volumeSizeInGB", "trainingInstanceVolumeSizeInGB"),
    ("resourceConfig.volumeKmsKeyId", "trainingVolumeKmsKeyId"),
    ("stoppingCondition.maxRuntimeInSeconds", "trainingMaxRuntimeInSeconds"),
    ("stoppingCondition.maxWaitTimeInSeconds", "maxWaitTimeInSeconds"),
    ("hyperParameters", "hyperparameters"),
    ("environment", "trainingEnvironment"),
    ("modelName", "the name policy's model name"),
    ("primaryContainer.containerHostname", "the name policy's model name"),
    ("primaryContainer.image", "modelImage"),
    ("primaryContainer.modelDataUrl", "modelPath"),
    ("primaryContainer.environment", "modelEnvironmentVariables"),
    ("executionRoleArn", "modelExecutionRoleARN"),
    ("endpointConfigName", "the name policy's endpoint config name"),
    ("productionVariants.1.member.instanceType", "endpointInstanceType"),
    ("productionVariants.1.member.initialInstanceCount", "endpointInitialInstanceCount"),
    ("endpointName", "the name policy's endpoint name"),
)  # fmt: skip
_PATH = re.compile(r" at '([^']+)'")


def _with_setting(problem: str) -> str:
    found = _PATH.search(problem)
    path = found.group(1) if found else ""
    for prefix, setting in _SETTINGS:
        if path == prefix or path.startswith(prefix + "."):
            return f"{problem} (set by {setting})"
    return problem


def check_request(operation: str, request: dict[str, Any]) -> None:
    """Raises ``RequestRefused`` listing what SageMaker would refuse in ``request``."""
    problems = request_problems(operation, request) + service_rule_problems(operation, request)
    if problems:
        raise RequestRefused(
            f"SageMaker would refuse {operation}: " + "; ".join(map(_with_setting, problems))
        )


def _account(spec: ClientSpec) -> str:
    try:
        return spec.client("sts").get_caller_identity()["Account"]
    except (BotoCoreError, ClientError):
        return "unknown (STS GetCallerIdentity failed)"


def _code(error: ClientError) -> tuple[str, int]:
    return (
        error.response.get("Error", {}).get("Code", ""),
        error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0),
    )


def check_s3_location(
    path: S3DataPath, spec: ClientSpec, setting: str, *, needs_delete: bool = False
) -> None:
    """The bucket of ``path`` exists and this identity may write under its prefix (a probe
    object is written and deleted at once); otherwise a one-line S3LocationError naming the
    bucket, the account and the setting (``trainingInputS3DataPath``, ...) to change. When
    the probe cannot be deleted, that is an error naming the object if ``needs_delete`` (the
    staged data will have to be removed), else a warning naming it."""
    s3 = spec.client("s3")
    where = f"{setting} s3://{path.bucket}/{path.objectPath}"
    try:
        s3.head_bucket(Bucket=path.bucket)
    except ClientError as error:
        code, status = _code(error)
        if status == 404 or code in ("404", "NoSuchBucket"):
            raise S3LocationError(
                f"the S3 bucket {path.bucket!r} of {where} does not exist (account "
                f"{_account(spec)}); create it or set {setting} to a bucket you own"
            ) from None
        if status == 403 or code in ("403", "AccessDenied"):
            raise S3LocationError(
                f"account {_account(spec)} may not use the S3 bucket {path.bucket!r} of "
                f"{where} (HeadBucket: access denied)"
            ) from None
        raise
    probe = f"{path.objectPath.strip('/')}/.smspark-write-check-{uuid.uuid4().hex}".lstrip("/")
    try:
        s3.put_object(Bucket=path.bucket, Key=probe, Body=b"")
    except ClientError as error:
        code, _ = _code(error)
        raise S3LocationError(
            f"account {_account(spec)} may not write under {where} in bucket "
            f"{path.bucket!r} (PutObject: {code or 'refused'})"
        ) from None
    try:
        s3.delete_object(Bucket=path.bucket, Key=probe)
    except (BotoCoreError, ClientError) as error:
        why = _code(error)[0] if isinstance(error, ClientError) else type(error).__name__
        left = f"s3://{path.bucket}/{probe}"
        if needs_delete:
            raise S3LocationError(
                f"account {_account(spec)} may write but not delete under {where} "
                f"(DeleteObject: {why or 'refused'}), and fit() removes what it stages there; "
                f"the empty probe object {left} is left behind (aws s3 rm {left})"
            ) from None
        log.warning(
            "could not delete the empty probe object %s (DeleteObject: %s); remove it with "
            "aws s3 rm %s",
            left,
            why or "refused",
            left,
        )


_PLACEHOLDER_NAMES = NamePolicy("name", "name", "name", "name")


def check_endpoint_settings(
    instance_type: Any,
    instance_count: Any,
    image: Any,
    serverless: bool = False,
    *,
    names: NamePolicy | None = None,
    role_arn: str | None = None,
    environment: dict[str, str] | None = None,
) -> None:
    """What creating the endpoint will need, checked before training (a serverless endpoint
    has no instances): CreateModel, CreateEndpointConfig and CreateEndpoint as SageMaker
    would check them (the instance type against the service's list for endpoints, ...),
    with ``names`` when they are known."""
    if not image:
        raise ValueError("creating an endpoint needs modelImage")
    if not serverless:
        if not instance_type:
            raise ValueError("creating an endpoint needs endpointInstanceType")
        instance_count = require_instance_count(instance_count)
    requests = hosting_requests(
        names or _PLACEHOLDER_NAMES,
        image=image,
        model_data_url=None,
        environment=environment or {},
        role_arn=role_arn,
        instance_type=None if serverless else instance_type,
        instance_count=None if serverless else instance_count,
    )
    for operation, request in zip(
        ("CreateModel", "CreateEndpointConfig", "CreateEndpoint"), requests, strict=True
    ):
        check_request(operation, request)
