"""fit() fails early and cleanly: endpoint settings and S3 locations are checked on the driver
before any Spark job or training job, and when hosting fails after a completed training job
the error leads back to the trained model, which hosts without training again."""

from __future__ import annotations

import numpy as np
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from local_helpers import ROLE, SUM_IMAGE, unique, wait_job
from pyspark.ml.linalg import Vectors
from smspark_local.stub_images import ECHO_IMAGE as ECHO_STUB

from smspark_core.aws import hosting
from smspark_core.aws.jobs import TrainingJobFailed
from smspark_core.aws.preflight import (
    RequestRefused,
    S3LocationError,
    check_endpoint_settings,
    check_s3_location,
)
from smspark_core.aws.resources import (
    CustomNamePolicyFactory,
    EndpointCreationPolicy,
    IAMRole,
    S3DataPath,
)
from smspark_core.estimator import HostingAfterTrainingFailed, SageMakerEstimator
from smspark_core.model import SageMakerModel
from smspark_core.transformation.deserializers import XGBoostCSVRowDeserializer
from smspark_core.transformation.serializers import UnlabeledCSVRequestRowSerializer

pytestmark = pytest.mark.spark
STUB = "local/stub-echo:1"


@pytest.fixture(scope="module")
def data(spark):
    features = np.random.default_rng(4).integers(0, 9, size=(60, 3)).astype(float)
    rows = [(0.0, Vectors.dense(f), i) for i, f in enumerate(features)]
    return spark.createDataFrame(rows, ["label", "features", "id"]).repartition(2), features


@pytest.fixture(scope="module")
def bucket(local, clients):
    local.register_image(STUB, ECHO_STUB)
    name = unique("fitfail")
    clients["s3"].create_bucket(Bucket=name)
    return name


def _estimator(local, bucket, names, **kwargs):
    options = {
        "trainingInputS3DataPath": S3DataPath(bucket, "staging"),
        "trainingOutputS3DataPath": S3DataPath(bucket, "output"),
        "sagemakerRole": IAMRole(ROLE),
        "clientSpec": local.client_spec,
        "pollSeconds": 0.1,
        "namePolicyFactory": CustomNamePolicyFactory(
            f"{names}-job", f"{names}-model", f"{names}-config", f"{names}-ep"
        ),
        **kwargs,
    }
    return SageMakerEstimator(
        SUM_IMAGE,
        options.pop("modelImage", SUM_IMAGE),
        options.pop("trainingInstanceType", "ml.m5.large"),
        options.pop("trainingInstanceCount", 1),
        options.pop("endpointInstanceType", "ml.m5.large"),
        options.pop("endpointInitialInstanceCount", 1),
        UnlabeledCSVRequestRowSerializer(),
        XGBoostCSVRowDeserializer(),
        hyperParameters=options.pop("hyperParameters", {"feature_dim": "3"}),
        **options,
    )


def _jobs(clients, names):
    return clients["sagemaker"].list_training_jobs(NameContains=names)["TrainingJobSummaries"]


def _staged(clients, bucket):
    return clients["s3"].list_objects_v2(Bucket=bucket, Prefix="staging/").get("KeyCount", 0)


def _hosting_left(clients, names):
    sagemaker = clients["sagemaker"]
    return (
        sagemaker.list_models(NameContains=names)["Models"]
        + sagemaker.list_endpoint_configs(NameContains=names)["EndpointConfigs"]
        + [
            e
            for e in sagemaker.list_endpoints(NameContains=names)["Endpoints"]
            if e["EndpointStatus"] != "Deleting"
        ]
    )


@pytest.mark.parametrize("count", [0, -1])
def test_a_bad_endpoint_count_fails_before_training(local, clients, bucket, data, count):
    names = unique("cnt")
    estimator = _estimator(local, bucket, names, endpointInitialInstanceCount=count)
    refused = (
        f"endpointInitialInstanceCount must be an integer >= 1 to create an endpoint, got {count}"
    )
    with pytest.raises(ValueError, match=refused):
        estimator.fit(data[0])
    assert _jobs(clients, names) == [] and _staged(clients, bucket) == 0
    # Without an endpoint to create, the count does not matter.
    lazy = _estimator(
        local,
        bucket,
        unique("cnt"),
        endpointInitialInstanceCount=count,
        endpointCreationPolicy=EndpointCreationPolicy.DO_NOT_CREATE,
    )
    assert lazy.fit(data[0]).getModelPath() is not None


def test_a_missing_staging_bucket_is_one_line_naming_bucket_and_account(local, clients, data):
    names = unique("nobucket")
    estimator = _estimator(local, "no-such-bucket-smspark", names)
    with pytest.raises(S3LocationError) as raised:
        estimator.fit(data[0])
    message = str(raised.value)
    assert "\n" not in message
    assert message == (
        "the S3 bucket 'no-such-bucket-smspark' of trainingInputS3DataPath "
        f"s3://no-such-bucket-smspark/staging/{names}-job does not exist (account "
        "123456789012); create it or set trainingInputS3DataPath to a bucket you own"
    )
    assert _jobs(clients, names) == []


class _Spec:
    """A ClientSpec stand-in handing out stubbed clients."""

    def __init__(self, **clients):
        self.clients = clients

    def client(self, service):
        return self.clients[service]


def test_a_denied_prefix_and_a_denied_bucket_name_the_account():
    import boto3

    s3 = boto3.client("s3", region_name="us-east-1")
    sts = boto3.client("sts", region_name="us-east-1")
    spec = _Spec(s3=s3, sts=sts)
    path = S3DataPath("team-bucket", "locked/prefix")
    with Stubber(s3) as s3_stub, Stubber(sts) as sts_stub:
        s3_stub.add_response("head_bucket", {}, {"Bucket": "team-bucket"})
        s3_stub.add_client_error("put_object", "AccessDenied", "Access Denied", 403)
        sts_stub.add_response(
            "get_caller_identity",
            {"Account": "111122223333", "Arn": "arn:aws:iam::111122223333:user/u", "UserId": "u"},
        )
        with pytest.raises(S3LocationError) as raised:
            check_s3_location(path, spec, "trainingInputS3DataPath")
        assert str(raised.value) == (
            "account 111122223333 may not write under trainingInputS3DataPath "
            "s3://team-bucket/locked/prefix in bucket 'team-bucket' (PutObject: AccessDenied)"
        )
        s3_stub.add_client_error("head_bucket", "403", "Forbidden", 403)
        sts_stub.add_response(
            "get_caller_identity",
            {"Account": "111122223333", "Arn": "arn:aws:iam::111122223333:user/u", "UserId": "u"},
        )
        denied = "account 111122223333 may not use the S3 bucket 'team-bucket'"
        with pytest.raises(S3LocationError, match=denied):
            check_s3_location(path, spec, "trainingInputS3DataPath")


def test_hosting_failure_after_training_keeps_the_trained_model(local, clients, bucket, data):
    df, features = data
    names = unique("host")
    estimator = _estimator(local, bucket, names, modelImage="1.dkr.ecr.x/unknown-image:1")
    with pytest.raises(HostingAfterTrainingFailed) as raised:
        estimator.fit(df)
    error = raised.value
    job = f"{names}-job"
    assert error.trainingJobName == job == estimator.latestTrainingJob
    assert error.modelArtifact == f"s3://{bucket}/output/{job}/{job}/output/model.tar.gz"
    message = str(error)
    assert message.startswith(
        f"training job {job} completed (model artifact {error.modelArtifact}), but hosting it "
        f"failed:\ncreating endpoint {names}-ep failed: endpoint {names}-ep ended Failed: "
        "ClientError: no local image for '1.dkr.ecr.x/unknown-image:1'"
    )
    assert f"SageMakerModel.from_training_job('{job}', modelImage, ...)" in message
    assert _hosting_left(clients, names) == [] and _staged(clients, bucket) == 0
    rebuilt = SageMakerModel.from_training_job(
        error.trainingJobName,
        SUM_IMAGE,
        ROLE,
        "ml.m5.large",
        1,
        UnlabeledCSVRequestRowSerializer(),
        XGBoostCSVRowDeserializer(),
        clientSpec=local.client_spec,
        endpointPollSeconds=0.1,
    )
    rows = sorted(rebuilt.transform(df).collect(), key=lambda r: r.id)
    np.testing.assert_allclose(
        [r.prediction for r in rows], features @ features.mean(axis=0), rtol=1e-6
    )
    assert len(_jobs(clients, names)) == 1  # not trained again
    from smspark_core.aws.resources import SageMakerResourceCleanup

    SageMakerResourceCleanup(clients["sagemaker"]).delete_resources(rebuilt.getCreatedResources())


def test_ctrl_c_while_fit_waits_for_the_endpoint(local, clients, bucket, data, monkeypatch):
    names = unique("ctrlc")
    estimator = _estimator(
        local,
        bucket,
        names,
        modelImage=STUB,
        modelEnvironmentVariables={"STUB_LOAD_SECONDS": "3"},
    )
    seen = []

    def interrupted(sagemaker, name, **_):
        seen.append(sagemaker.describe_endpoint(EndpointName=name)["EndpointStatus"])
        raise KeyboardInterrupt

    monkeypatch.setattr(hosting, "wait_for_endpoint", interrupted)
    with pytest.raises(KeyboardInterrupt) as raised:
        estimator.fit(data[0])
    assert seen == ["Creating"]
    notes = "\n".join(raised.value.__notes__)
    assert (
        f"removed: endpoint {names}-ep, endpoint config {names}-config, model {names}-model"
        in notes
    )
    assert f"training job {names}-job had completed" in notes
    assert f"SageMakerModel.from_training_job('{names}-job', ...)" in notes
    assert _hosting_left(clients, names) == [] and _staged(clients, bucket) == 0


class _DescribeDenied:
    """A SageMaker client that may create training jobs but not describe them."""

    def __init__(self, client):
        self._client = client

    def __getattr__(self, name):
        return getattr(self._client, name)

    def describe_training_job(self, **_):
        error = {"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}}
        raise ClientError(error, "DescribeTrainingJob")


def test_a_job_that_cannot_be_watched_is_stopped_not_left_running(local, clients, bucket, data):
    names = unique("unwatched")
    estimator = _estimator(
        local,
        bucket,
        names,
        sagemakerClient=_DescribeDenied(clients["sagemaker"]),
        hyperParameters={"feature_dim": "3", "sleep_seconds": "60"},
    )
    job = f"{names}-job"
    with pytest.raises(TrainingJobFailed) as raised:
        estimator.fit(data[0])
    assert str(raised.value) == (
        f"watching training job {job} failed: DescribeTrainingJob: AccessDeniedException: "
        f"not authorized; training job {job} has been asked to stop (StopTrainingJob)"
    )
    ended = wait_job(clients, job)
    assert ended["TrainingJobStatus"] == "Stopped", ended
    assert _staged(clients, bucket) == 0 and _hosting_left(clients, names) == []


def test_requests_sagemaker_would_refuse_fail_before_staging(local, clients, bucket, data):
    """Each field is checked against the service's model of its operation before any Spark
    job, and the error names the setting that filled it."""
    cases = [
        (
            {"endpointInstanceType": "ml.bogus.huge"},
            "SageMaker would refuse CreateEndpointConfig: Value 'ml.bogus.huge' at "
            "'productionVariants.1.member.instanceType' failed to satisfy constraint: Member "
            "must satisfy enum value set: [",
            "(set by endpointInstanceType)",
        ),
        (
            {"trainingInstanceType": "ml.t2.medium"},  # an endpoint type, not a training one
            "SageMaker would refuse CreateTrainingJob: Value 'ml.t2.medium' at "
            "'resourceConfig.instanceType' failed to satisfy constraint: Member must satisfy "
            "enum value set: [",
            "(set by trainingInstanceType)",
        ),
        (
            {"trainingInstanceCount": 0},
            "SageMaker would refuse CreateTrainingJob: Value '0' at 'resourceConfig.instanceCount' "
            "failed to satisfy constraint: Member must have value greater than or equal to 1 "
            "(set by trainingInstanceCount)",
            "",
        ),
        (
            {"trainingInstanceVolumeSizeInGB": -1, "trainingMaxRuntimeInSeconds": 0},
            "SageMaker would refuse CreateTrainingJob: Value '-1' at "
            "'resourceConfig.volumeSizeInGB' failed to satisfy constraint: Member must have "
            "value greater than or equal to 0 (set by trainingInstanceVolumeSizeInGB); Value "
            "'0' at 'stoppingCondition.maxRuntimeInSeconds' failed to satisfy constraint: "
            "Member must have value greater than or equal to 1 (set by "
            "trainingMaxRuntimeInSeconds)",
            "",
        ),
        (
            {"modelEnvironmentVariables": {"BAD KEY": "1"}},
            "SageMaker would refuse CreateModel: Value 'BAD KEY' at "
            "'primaryContainer.environment.key' failed to satisfy constraint: Member must "
            "satisfy regular expression pattern: ",
            "(set by modelEnvironmentVariables)",
        ),
    ]
    for settings, starts, ends in cases:
        names = unique("refused")
        estimator = _estimator(local, bucket, names, **settings)
        with pytest.raises(RequestRefused) as raised:
            estimator.fit(data[0])
        assert str(raised.value).startswith(starts) and str(raised.value).endswith(ends)
        assert _jobs(clients, names) == [] and _staged(clients, bucket) == 0
    with pytest.raises(RequestRefused, match="'ml.bogus.huge' at 'productionVariants"):
        check_endpoint_settings("ml.bogus.huge", 1, "img")


class _ProbeNotDeletable:
    """An S3 client on the local backend that may write but not delete."""

    def __init__(self, client):
        self._client = client
        self.meta = client.meta

    def __getattr__(self, name):
        return getattr(self._client, name)

    def delete_object(self, **_):
        error = {"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}
        raise ClientError(error, "DeleteObject")


def test_a_probe_object_that_cannot_be_deleted_is_named(local, clients, bucket, caplog):
    s3 = _ProbeNotDeletable(local.client("s3"))
    spec = _Spec(s3=s3, sts=local.client("sts"))
    path = S3DataPath(bucket, "probe-check")
    with pytest.raises(S3LocationError) as raised:
        check_s3_location(path, spec, "trainingInputS3DataPath", needs_delete=True)
    message = str(raised.value)
    left = clients["s3"].list_objects_v2(Bucket=bucket, Prefix="probe-check/")["Contents"]
    assert len(left) == 1
    probe = f"s3://{bucket}/{left[0]['Key']}"
    assert message == (
        f"account 123456789012 may write but not delete under trainingInputS3DataPath "
        f"s3://{bucket}/probe-check (DeleteObject: AccessDenied), and fit() removes what it "
        f"stages there; the empty probe object {probe} is left behind (aws s3 rm {probe})"
    )
    with caplog.at_level("WARNING", logger="smspark.preflight"):
        check_s3_location(path, spec, "trainingOutputS3DataPath")  # nothing to delete later
    assert "could not delete the empty probe object" in caplog.text
    for item in clients["s3"].list_objects_v2(Bucket=bucket, Prefix="probe-check/")["Contents"]:
        clients["s3"].delete_object(Bucket=bucket, Key=item["Key"])
