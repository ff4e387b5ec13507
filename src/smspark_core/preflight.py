"""Checks ``fit()`` makes on the driver before any Spark job or AWS resource: a missing
staging bucket or a denied prefix would otherwise surface as a long stack trace from inside
a Spark task (never naming the bucket), and a bad endpoint setting only after a training job
had been paid for."""

from __future__ import annotations

import uuid
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from smspark_core.aws import ClientSpec
from smspark_core.errors import SmsparkError
from smspark_core.hosting import require_instance_count
from smspark_core.resources import S3DataPath


class S3LocationError(SmsparkError):
    """An S3 location fit() needs that does not exist or cannot be written."""


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


def check_s3_location(path: S3DataPath, spec: ClientSpec, setting: str) -> None:
    """The bucket of ``path`` exists and this identity may write under its prefix (a probe
    object is written and deleted at once); otherwise a one-line S3LocationError naming the
    bucket, the account and the setting (``trainingInputS3DataPath``, ...) to change."""
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
    s3.delete_object(Bucket=path.bucket, Key=probe)


def check_endpoint_settings(
    instance_type: Any, instance_count: Any, image: Any, serverless: bool = False
) -> None:
    """What creating the endpoint will need, checked before training (a serverless endpoint
    has no instances)."""
    if not image:
        raise ValueError("creating an endpoint needs modelImage")
    if serverless:
        return
    if not instance_type:
        raise ValueError("creating an endpoint needs endpointInstanceType")
    require_instance_count(instance_count)
