"""What a job reads from S3: the objects of an input (an S3Prefix or a ManifestFile), and
``JobFailed``, the failure a job reports (FailureReason) when they cannot be had."""

from __future__ import annotations

import json
from typing import Any

from smspark_core.aws.resources import split_s3_uri
from smspark_core.foundation.errors import SmsparkError


class JobFailed(SmsparkError):
    """A job's failure (training or transform) with the FailureReason to report."""


def prefix_objects(s3: Any, uri: str) -> list[tuple[str, str, str]]:
    """(bucket, key, path relative to the prefix) of every object under an S3Prefix ``uri``;
    JobFailed when the bucket does not exist."""
    bucket, prefix = split_s3_uri(uri)
    found = []
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                relative = item["Key"][len(prefix) :].lstrip("/") or item["Key"].rsplit("/", 1)[-1]
                found.append((bucket, item["Key"], relative))
    except s3.exceptions.NoSuchBucket:
        raise JobFailed(f"ClientError: Bucket {bucket!r} does not exist ({uri})") from None
    return found


def manifest_objects(s3: Any, uri: str) -> list[tuple[str, str, str]]:
    """(bucket, key, relative path) of every object a ManifestFile ``uri`` lists."""
    bucket, key = split_s3_uri(uri)
    try:
        manifest = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    except Exception as error:
        raise JobFailed(f"ClientError: cannot read manifest file {uri}: {error}") from None
    if not manifest or not isinstance(manifest[0], dict) or "prefix" not in manifest[0]:
        raise JobFailed(f'ClientError: manifest file {uri} must start with {{"prefix": ...}}')
    base_bucket, base = split_s3_uri(manifest[0]["prefix"])
    base = f"{base}/" if base and manifest[0]["prefix"].endswith("/") else base
    return [(base_bucket, f"{base}{relative}", relative) for relative in manifest[1:]]
