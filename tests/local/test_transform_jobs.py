"""Local Batch Transform jobs through boto3: the status machine, every response against
botocore's shapes, splitting and mini-batches, assembly, objects transformed at once,
invocation timeouts, retries and fault injection, a failing mini-batch, StopTransformJob,
pagination and the service's validation errors."""

from __future__ import annotations

import io
import json
import tarfile
import time

import boto3
import numpy as np
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from local_helpers import ECHO_IMAGE, ROLE, SUM_IMAGE, unique
from shapes import ShapeRecorder

from smspark_core.codecs import amazon_record, recordio

WEIGHTS = [1.0, 10.0, 100.0]


@pytest.fixture(scope="module")
def bucket(clients):
    name = unique("transform")
    clients["s3"].create_bucket(Bucket=name)
    return name


@pytest.fixture(scope="module")
def sum_model(clients, bucket):
    """A test-sum model whose prediction for x is WEIGHTS . x."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        data = json.dumps(WEIGHTS).encode()
        info = tarfile.TarInfo("weights.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    clients["s3"].put_object(Bucket=bucket, Key="model/model.tar.gz", Body=buffer.getvalue())
    return _model(clients, SUM_IMAGE, f"s3://{bucket}/model/model.tar.gz")


@pytest.fixture(scope="module")
def echo_model(clients):
    return _model(clients, ECHO_IMAGE, None)


def _model(clients, image, url):
    name = unique("model")
    container = {"Image": image}
    if url:
        container["ModelDataUrl"] = url
    clients["sagemaker"].create_model(
        ModelName=name, PrimaryContainer=container, ExecutionRoleArn=ROLE
    )
    return name


def _job(clients, model, input_uri, output_uri, *, name=None, **fields):
    name = name or unique("tj")
    request = {
        "TransformJobName": name,
        "ModelName": model,
        "TransformInput": {
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": input_uri}},
            "ContentType": fields.pop("ContentType", "text/csv"),
            "SplitType": fields.pop("SplitType", "Line"),
        },
        "TransformOutput": {
            "S3OutputPath": output_uri,
            "Accept": fields.pop("Accept", "text/csv"),
            "AssembleWith": fields.pop("AssembleWith", "Line"),
        },
        "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1},
        **fields,
    }
    clients["sagemaker"].create_transform_job(**request)
    return name


def _wait(clients, name, timeout=120.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = clients["sagemaker"].describe_transform_job(TransformJobName=name)
        if job["TransformJobStatus"] in ("Completed", "Failed", "Stopped"):
            return job
        time.sleep(0.1)
    raise TimeoutError(f"transform job {name} did not finish within {timeout} s")


def _read(clients, bucket, key):
    return clients["s3"].get_object(Bucket=bucket, Key=key)["Body"].read()


def _data_log(clients, name):
    logs = clients["logs"]
    streams = logs.describe_log_streams(
        logGroupName="/aws/sagemaker/TransformJobs", logStreamNamePrefix=f"{name}/"
    )["logStreams"]
    lines = []
    for stream in streams:
        if stream["logStreamName"].endswith("/data-log"):
            events = logs.get_log_events(
                logGroupName="/aws/sagemaker/TransformJobs",
                logStreamName=stream["logStreamName"],
                startFromHead=True,
            )["events"]
            lines += [e["message"] for e in events]
    return lines


def _csv_rows(rows):
    return "".join(",".join(str(v) for v in row) + "\n" for row in rows).encode()


def test_job_completes_with_outputs_in_order_and_shapes_match(local, clients, bucket, sum_model):
    sagemaker = local.client("sagemaker")
    recorder = ShapeRecorder(sagemaker)
    rows = np.arange(30, dtype=float).reshape(10, 3)
    s3 = clients["s3"]
    s3.put_object(Bucket=bucket, Key="in1/a.csv", Body=_csv_rows(rows[:4]))
    s3.put_object(Bucket=bucket, Key="in1/sub/b.csv", Body=_csv_rows(rows[4:]))
    name = _job(
        {"sagemaker": sagemaker},
        sum_model,
        f"s3://{bucket}/in1/",
        f"s3://{bucket}/out1",
        MaxConcurrentTransforms=2,
        MaxPayloadInMB=1,
        BatchStrategy="SingleRecord",
        ModelClientConfig={"InvocationsTimeoutInSeconds": 30, "InvocationsMaxRetries": 1},
        Environment={"A": "1"},
        DataCaptureConfig={"DestinationS3Uri": f"s3://{bucket}/capture"},
        Tags=[{"Key": "team", "Value": "ml"}],
    )
    running = sagemaker.describe_transform_job(TransformJobName=name)
    assert running["TransformJobStatus"] in ("InProgress", "Completed")
    job = _wait({"sagemaker": sagemaker}, name)
    assert job["TransformJobStatus"] == "Completed", job.get("FailureReason")
    assert job["TransformStartTime"] <= job["TransformEndTime"]
    assert job["ModelClientConfig"]["InvocationsMaxRetries"] == 1
    expected = rows @ np.array(WEIGHTS)
    first = [float(v) for v in _read(clients, bucket, "out1/a.csv.out").split()]
    second = [float(v) for v in _read(clients, bucket, "out1/sub/b.csv.out").split()]
    assert first + second == expected.tolist()
    assert any("6 mini-batches, 6 records" in line for line in _data_log(clients, name))
    sagemaker.list_transform_jobs(NameContains=name)
    assert recorder.failures == []
    assert {
        "CreateTransformJob",
        "DescribeTransformJob",
        "ListTransformJobs",
    } <= set(recorder.checked)


def test_mini_batches_respect_max_payload(clients, bucket, sum_model):
    """About 4 MB of lines at MaxPayloadInMB=1: several requests, answers in input order."""
    ids = np.arange(60_000.0)
    rows = np.column_stack([ids, ids + 0.123456789012, ids + 0.987654321098])
    clients["s3"].put_object(Bucket=bucket, Key="big/in.csv", Body=_csv_rows(rows))
    name = _job(
        clients, sum_model, f"s3://{bucket}/big/", f"s3://{bucket}/big-out", MaxPayloadInMB=1
    )
    job = _wait(clients, name)
    assert job["TransformJobStatus"] == "Completed", job.get("FailureReason")
    answers = [float(v) for v in _read(clients, bucket, "big-out/in.csv.out").split()]
    assert len(answers) == len(rows)
    np.testing.assert_allclose(answers, rows @ np.array(WEIGHTS), rtol=1e-12)
    line = next(line for line in _data_log(clients, name) if "mini-batches" in line)
    batches = int(line.split(": ")[2].split()[0])
    assert batches >= 2


def test_recordio_split_and_assembly(clients, bucket, echo_model):
    records = [amazon_record.dense_records(np.array([[float(i), 1.0]])).tobytes() for i in range(7)]
    body = b"".join(records)
    clients["s3"].put_object(Bucket=bucket, Key="rio/part-0.pbr", Body=body)
    name = _job(
        clients,
        echo_model,
        f"s3://{bucket}/rio/",
        f"s3://{bucket}/rio-out/",
        ContentType="application/x-recordio-protobuf",
        Accept="application/x-recordio-protobuf",
        SplitType="RecordIO",
        AssembleWith="None",
        BatchStrategy="SingleRecord",
    )
    job = _wait(clients, name)
    assert job["TransformJobStatus"] == "Completed", job.get("FailureReason")
    assert _read(clients, bucket, "rio-out/part-0.pbr.out") == body
    assert len(recordio.record_offsets(body)) == 8
    assert any("7 mini-batches, 7 records" in line for line in _data_log(clients, name))


def test_a_rejected_mini_batch_fails_the_job_naming_object_and_records(clients, bucket, sum_model):
    lines = b"1,2,3\n4,5,6\n1,2\n7,8,9\n"  # record 2 has two features: the model answers 400
    clients["s3"].put_object(Bucket=bucket, Key="bad/in.csv", Body=lines)
    name = _job(
        clients,
        sum_model,
        f"s3://{bucket}/bad/",
        f"s3://{bucket}/bad-out",
        BatchStrategy="SingleRecord",
        ModelClientConfig={"InvocationsMaxRetries": 0},
    )
    job = _wait(clients, name)
    assert job["TransformJobStatus"] == "Failed"
    assert f"{bucket}/bad/in.csv: records 2-2" in job["FailureReason"]
    assert "400" in job["FailureReason"]
    assert any("records 2-2: attempt 1 of 1" in line for line in _data_log(clients, name))
    listed = clients["sagemaker"].list_transform_jobs(NameContains=name)
    assert listed["TransformJobSummaries"][0]["FailureReason"] == job["FailureReason"]


def test_injected_faults_are_retried_then_fail_the_job(local, clients, bucket, sum_model):
    clients["s3"].put_object(Bucket=bucket, Key="flaky/in.csv", Body=b"1,1,1\n")
    local.set_faults(sum_model, fail_next=2)
    retried = _wait(clients, _job(clients, sum_model, f"s3://{bucket}/flaky/", f"s3://{bucket}/f1"))
    assert retried["TransformJobStatus"] == "Completed", retried.get("FailureReason")
    assert _read(clients, bucket, "f1/in.csv.out") == b"111.0\n"
    local.set_faults(sum_model, fail_next=4)  # 1 attempt + 3 retries, all failing
    failed = _wait(clients, _job(clients, sum_model, f"s3://{bucket}/flaky/", f"s3://{bucket}/f2"))
    local.clear_faults(sum_model)
    assert failed["TransformJobStatus"] == "Failed"
    assert "injected fault" in failed["FailureReason"]


def test_stop_transform_job(local, clients, bucket, echo_model):
    for i in range(30):  # the echo model takes a second to answer "slow"
        clients["s3"].put_object(Bucket=bucket, Key=f"slow/{i:02d}", Body=b"slow")
    name = _job(
        clients,
        echo_model,
        f"s3://{bucket}/slow/",
        f"s3://{bucket}/slow-out",
        SplitType="None",
        ContentType="text/plain",
        Accept="text/plain",
    )
    checked = local.client("sagemaker")
    recorder = ShapeRecorder(checked)
    checked.stop_transform_job(TransformJobName=name)
    assert recorder.checked == {"StopTransformJob": 1} and recorder.failures == []
    status = checked.describe_transform_job(TransformJobName=name)
    assert status["TransformJobStatus"] in ("Stopping", "Stopped")
    job = _wait(clients, name)
    assert job["TransformJobStatus"] == "Stopped"
    listed = clients["s3"].list_objects_v2(Bucket=bucket, Prefix="slow-out")
    assert listed.get("Contents", []) == []  # a stopped job stores no output
    with pytest.raises(ClientError, match="in status Stopped") as error:
        clients["sagemaker"].stop_transform_job(TransformJobName=name)
    assert error.value.response["Error"]["Code"] == "ValidationException"


def test_list_paginates_filters_and_sorts(clients, bucket, sum_model):
    clients["s3"].put_object(Bucket=bucket, Key="list/in.csv", Body=b"1,1,1\n")
    tag = unique("ls")
    names = [
        _job(
            clients, sum_model, f"s3://{bucket}/list/", f"s3://{bucket}/{tag}{i}", name=f"{tag}-{i}"
        )
        for i in range(3)
    ]
    for name in names:
        _wait(clients, name)
    pages = (
        clients["sagemaker"]
        .get_paginator("list_transform_jobs")
        .paginate(
            NameContains=tag, SortBy="Name", SortOrder="Ascending", PaginationConfig={"PageSize": 2}
        )
    )
    listed = [s["TransformJobName"] for page in pages for s in page["TransformJobSummaries"]]
    assert listed == names
    first = clients["sagemaker"].list_transform_jobs(NameContains=tag, MaxResults=2)
    assert len(first["TransformJobSummaries"]) == 2 and "NextToken" in first
    completed = clients["sagemaker"].list_transform_jobs(NameContains=tag, StatusEquals="Failed")
    assert completed["TransformJobSummaries"] == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"TransformJobName": "bad_name"}, "at 'transformJobName' failed to satisfy constraint"),
        (
            {"TransformResources": {"InstanceType": "ml.nope", "InstanceCount": 1}},
            "at 'transformResources.instanceType' failed to satisfy constraint: Member must "
            "satisfy enum value set",
        ),
        (
            {"TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 0}},
            "at 'transformResources.instanceCount' failed to satisfy constraint: Member must "
            "have value greater than or equal to 1",
        ),
        (
            {"ModelClientConfig": {"InvocationsMaxRetries": 4}},
            "at 'modelClientConfig.invocationsMaxRetries'",
        ),
        ({"MaxPayloadInMB": 101}, "MaxPayloadInMB must be less than or equal to 100"),
        (
            {"MaxPayloadInMB": 20, "MaxConcurrentTransforms": 6},
            r"\(MaxConcurrentTransforms \* MaxPayloadInMB\) cannot exceed 100 MB",
        ),
        ({"ModelName": "no-such-model"}, 'Could not find model "arn:aws:sagemaker:'),
    ],
)
def test_invalid_requests_are_validation_exceptions(local, bucket, sum_model, change, message):
    """The backend refuses what the service refuses, also what botocore lets through."""
    unchecked = boto3.client(
        "sagemaker", endpoint_url=local.url, config=Config(parameter_validation=False)
    )
    fields = {"ModelName": sum_model, **change}
    model = fields.pop("ModelName")
    with pytest.raises(ClientError, match=message) as error:
        _job(
            {"sagemaker": unchecked},
            model,
            f"s3://{bucket}/list/",
            f"s3://{bucket}/never",
            **fields,
        )
    assert error.value.response["Error"]["Code"] == "ValidationException"


def test_duplicates_and_missing_jobs(clients, bucket, sum_model):
    name = _job(clients, sum_model, f"s3://{bucket}/list/", f"s3://{bucket}/dup")
    with pytest.raises(ClientError, match="Job name must be unique") as error:
        _job(clients, sum_model, f"s3://{bucket}/list/", f"s3://{bucket}/dup", name=name)
    assert error.value.response["Error"]["Code"] == "ResourceInUse"
    _wait(clients, name)
    for call in (
        clients["sagemaker"].describe_transform_job,
        clients["sagemaker"].stop_transform_job,
    ):
        with pytest.raises(ClientError, match='Could not find transform job "arn:') as error:
            call(TransformJobName="nope")
        assert error.value.response["Error"]["Code"] == "ValidationException"


def test_missing_input_fails_like_the_service(clients, bucket, sum_model):
    job = _wait(clients, _job(clients, sum_model, f"s3://{bucket}/nothing/", f"s3://{bucket}/x"))
    assert job["TransformJobStatus"] == "Failed"
    assert job["FailureReason"].startswith("ClientError: No S3 objects found under S3 URL")


def test_the_container_sees_the_batch_variables(clients, bucket, echo_model):
    for name in ("SAGEMAKER_BATCH_STRATEGY", "SAGEMAKER_MAX_PAYLOAD_IN_MB"):
        clients["s3"].put_object(Bucket=bucket, Key=f"env/{name}", Body=f"env:{name}".encode())
    job = _wait(
        clients,
        _job(
            clients,
            echo_model,
            f"s3://{bucket}/env/",
            f"s3://{bucket}/env-out",
            SplitType="None",
            ContentType="text/plain",
            Accept="text/plain",
            AssembleWith="None",
            BatchStrategy="SingleRecord",
            MaxPayloadInMB=2,
        ),
    )
    assert job["TransformJobStatus"] == "Completed", job.get("FailureReason")
    assert _read(clients, bucket, "env-out/SAGEMAKER_BATCH_STRATEGY.out") == b"SINGLE_RECORD"
    assert _read(clients, bucket, "env-out/SAGEMAKER_MAX_PAYLOAD_IN_MB.out") == b"2"


def test_objects_are_transformed_concurrently(clients, bucket, echo_model):
    """Eight one-record objects of 1 s each and a last object asking the model server how
    many requests it had in flight at once: with MaxConcurrentTransforms=4 objects go
    through together (several in flight, never more than 4), as the service spreads
    objects over its instances, not one object after another."""
    for i in range(8):
        clients["s3"].put_object(Bucket=bucket, Key=f"many/{i}", Body=b"slow")
    clients["s3"].put_object(Bucket=bucket, Key="many/z-peak", Body=b"peak")
    job = _wait(
        clients,
        _job(
            clients,
            echo_model,
            f"s3://{bucket}/many/",
            f"s3://{bucket}/many-out",
            SplitType="None",
            ContentType="text/plain",
            Accept="text/plain",
            AssembleWith="None",
            MaxConcurrentTransforms=4,
        ),
    )
    assert job["TransformJobStatus"] == "Completed", job.get("FailureReason")
    assert all(_read(clients, bucket, f"many-out/{i}.out") == b"slow" for i in range(8))
    assert 2 <= int(_read(clients, bucket, "many-out/z-peak.out")) <= 4


def test_a_request_past_its_timeout_is_retried_then_fails_the_job(clients, bucket, echo_model):
    """InvocationsTimeoutInSeconds bounds each attempt and InvocationsMaxRetries retries it:
    a model that takes 5 s against a 1 s timeout fails all 1 + 2 attempts."""
    clients["s3"].put_object(Bucket=bucket, Key="timeout/in", Body=b"sleep:5")
    name = _job(
        clients,
        echo_model,
        f"s3://{bucket}/timeout/",
        f"s3://{bucket}/timeout-out",
        SplitType="None",
        ContentType="text/plain",
        Accept="text/plain",
        ModelClientConfig={"InvocationsTimeoutInSeconds": 1, "InvocationsMaxRetries": 2},
    )
    job = _wait(clients, name)
    assert job["TransformJobStatus"] == "Failed"
    assert "no answer within InvocationsTimeoutInSeconds (1 s)" in job["FailureReason"]
    attempts = [line for line in _data_log(clients, name) if "timeout/in: records 0-0: at" in line]
    assert [line.split(": attempt ")[1][:6] for line in attempts] == ["1 of 3", "2 of 3", "3 of 3"]
    assert all("no answer within InvocationsTimeoutInSeconds (1 s)" in line for line in attempts)


def test_a_failing_object_fails_the_job_while_others_run(local, clients, bucket, sum_model):
    """One bad object among several transformed at once: the job fails naming it, and no
    output is written for it."""
    for i in range(6):
        clients["s3"].put_object(Bucket=bucket, Key=f"mixed/{i}.csv", Body=b"1,2,3\n4,5,6\n")
    clients["s3"].put_object(Bucket=bucket, Key="mixed/3.csv", Body=b"1,2\n")
    name = _job(
        clients,
        sum_model,
        f"s3://{bucket}/mixed/",
        f"s3://{bucket}/mixed-out",
        MaxConcurrentTransforms=3,
        ModelClientConfig={"InvocationsMaxRetries": 0},
    )
    job = _wait(clients, name)
    assert job["TransformJobStatus"] == "Failed"
    assert f"{bucket}/mixed/3.csv: records 0-0" in job["FailureReason"]
    listed = clients["s3"].list_objects_v2(Bucket=bucket, Prefix="mixed-out/")
    assert "mixed-out/3.csv.out" not in [item["Key"] for item in listed.get("Contents", [])]
