"""The value types: S3 paths, IAM roles, name policies and their factories."""

from __future__ import annotations

import re

import pytest

from smspark_core.aws.resources import (
    CustomNamePolicy,
    CustomNamePolicyFactory,
    CustomNamePolicyWithTimeStampSuffix,
    CustomNamePolicyWithTimeStampSuffixFactory,
    EndpointCreationPolicy,
    IAMRole,
    IAMRoleFromConfig,
    RandomNamePolicy,
    RandomNamePolicyFactory,
    S3DataPath,
)
from smspark_core.foundation.errors import SmsparkError


def test_s3_data_path_round_trip_and_schemes():
    assert S3DataPath("b", "a/c/").to_s3_uri() == "s3://b/a/c/"
    assert S3DataPath.from_s3_uri("s3a://bucket/x/y") == S3DataPath("bucket", "x/y")
    assert S3DataPath.fromS3URI("s3://bucket") == S3DataPath("bucket", "")
    with pytest.raises(ValueError, match="Invalid scheme: https"):
        S3DataPath.from_s3_uri("https://bucket/x")


def test_iam_roles():
    assert IAMRole("arn:aws:iam::1:role/r").resolve() == "arn:aws:iam::1:role/r"
    conf = {"com.amazonaws.services.sagemaker.sparksdk.sagemakerrole": "arn:aws:iam::1:role/c"}
    assert IAMRoleFromConfig().resolve(conf) == "arn:aws:iam::1:role/c"
    with pytest.raises(SmsparkError, match="no IAM role in the Spark conf key 'my.key'"):
        IAMRoleFromConfig("my.key").resolve({})


def test_iam_role_from_a_real_spark_conf(spark):
    spark.conf.set(
        "com.amazonaws.services.sagemaker.sparksdk.sagemakerrole", "arn:aws:iam::2:role/s"
    )
    try:
        assert IAMRoleFromConfig().resolve(spark.conf) == "arn:aws:iam::2:role/s"
    finally:
        spark.conf.unset("com.amazonaws.services.sagemaker.sparksdk.sagemakerrole")


def test_random_names_follow_the_original_and_the_service_rules():
    policy = RandomNamePolicy("a")
    pattern = r"^a{kind}-[0-9a-f]{{12}}-\d{{4}}-\d\d-\d\dT\d\d-\d\d-\d\d(-\d+)?$"
    for kind, name in [
        ("trainingJob", policy.trainingJobName),
        ("model", policy.modelName),
        ("endpointConfig", policy.endpointConfigName),
        ("endpoint", policy.endpointName),
    ]:
        assert re.match(pattern.format(kind=kind), name), name
        assert len(name) <= 63
    assert RandomNamePolicy().modelName != RandomNamePolicy().modelName


def test_names_are_checked_before_any_call():
    with pytest.raises(ValueError, match="training job name 'x_y' is not a valid SageMaker name"):
        CustomNamePolicy("x_y", "m", "c", "e")
    with pytest.raises(ValueError, match="\\(it has \\d+\\)"):
        RandomNamePolicy("p" * 40)
    with pytest.raises(ValueError, match="endpoint name '-e'"):
        CustomNamePolicy("t", "m", "c", "-e")


def test_factories_make_a_new_policy_each_time():
    assert (
        RandomNamePolicyFactory("x").createNamePolicy().trainingJobName.startswith("xtrainingJob-")
    )
    custom = CustomNamePolicyFactory("t", "m", "c", "e").create_name_policy()
    assert (custom.trainingJobName, custom.endpointName) == ("t", "e")
    stamped = CustomNamePolicyWithTimeStampSuffixFactory("t", "m", "c", "e").create_name_policy()
    assert isinstance(stamped, CustomNamePolicyWithTimeStampSuffix)
    assert re.match(r"^t-\d{4}-\d\d-\d\dT", stamped.trainingJobName)
    assert EndpointCreationPolicy["CREATE_ON_TRANSFORM"].value == "CREATE_ON_TRANSFORM"


def test_s3_locations_resolve_per_job():
    from smspark_core.aws import ClientSpec
    from smspark_core.aws.resources import S3PathFromConfig
    from smspark_core.executor.staging import resolve_s3_path

    spec = ClientSpec()
    assert resolve_s3_path(S3DataPath("b", "p/"), "job", {}, spec) == S3DataPath("b", "p/job")
    assert resolve_s3_path(S3DataPath("b", ""), "job", {}, spec) == S3DataPath("b", "job")
    key = "com.amazonaws.services.sagemaker.sparksdk.s3-data-bucket"
    from_uri = resolve_s3_path(S3PathFromConfig(), "job", {key: "s3a://b/x/"}, spec)
    assert from_uri == S3DataPath("b", "x/job")
    from_bucket = resolve_s3_path(S3PathFromConfig(), "job", {key: "bucket"}, spec)
    assert from_bucket.bucket == "bucket" and re.match(
        r"^[0-9a-f-]{36}/job$", from_bucket.objectPath
    )
    with pytest.raises(SmsparkError, match="no S3 location in the Spark conf key"):
        resolve_s3_path(S3PathFromConfig(), "job", {}, spec)
