"""Every operation through boto3, every response checked against botocore's output shape;
waiters; the real error codes."""

from __future__ import annotations

import io
import tarfile

import pytest
from botocore.exceptions import ClientError, WaiterError
from local_helpers import ECHO_IMAGE, FAST, ROLE, host, start_job, unique, wait_job
from shapes import ShapeRecorder

OPERATIONS = {
    "CreateTrainingJob",
    "DescribeTrainingJob",
    "StopTrainingJob",
    "ListTrainingJobs",
    "CreateModel",
    "DescribeModel",
    "DeleteModel",
    "ListModels",
    "CreateEndpointConfig",
    "DescribeEndpointConfig",
    "DeleteEndpointConfig",
    "ListEndpointConfigs",
    "CreateEndpoint",
    "DescribeEndpoint",
    "DeleteEndpoint",
    "ListEndpoints",
    "UpdateEndpoint",
    "UpdateEndpointWeightsAndCapacities",
    "AddTags",
    "ListTags",
    "DeleteTags",
}


def _code(error: pytest.ExceptionInfo) -> str:
    return error.value.response["Error"]["Code"]


def test_every_operation_matches_botocore_shapes(local, clients, training_data):
    sagemaker = local.client("sagemaker")
    logs = local.client("logs")
    recorder = ShapeRecorder(sagemaker)
    log_recorder = ShapeRecorder(logs)
    name = start_job({"sagemaker": sagemaker}, training_data)
    sagemaker.describe_training_job(TrainingJobName=name)  # while InProgress
    job = wait_job({"sagemaker": sagemaker}, name)
    assert job["TrainingJobStatus"] == "Completed"
    assert [t["Status"] for t in job["SecondaryStatusTransitions"]] == [
        "Starting",
        "Downloading",
        "Training",
        "Uploading",
        "Completed",
    ]
    assert job["TrainingTimeInSeconds"] >= 1 and job["BillableTimeInSeconds"] >= 1
    assert job["TrainingStartTime"] <= job["TrainingEndTime"]
    assert job["FinalMetricDataList"][0]["MetricName"] == "train:rows"
    assert job["FinalMetricDataList"][0]["Value"] == 4.0
    sagemaker.list_training_jobs(NameContains=name, MaxResults=5)

    endpoint = host({"sagemaker": sagemaker}, job["ModelArtifacts"]["S3ModelArtifacts"], wait=False)
    sagemaker.describe_endpoint(EndpointName=endpoint)  # while Creating
    sagemaker.get_waiter("endpoint_in_service").wait(EndpointName=endpoint, WaiterConfig=FAST)
    described = sagemaker.describe_endpoint(EndpointName=endpoint)
    assert described["EndpointStatus"] == "InService"
    assert described["ProductionVariants"][0]["CurrentInstanceCount"] == 1
    sagemaker.describe_model(ModelName=endpoint)
    sagemaker.describe_endpoint_config(EndpointConfigName=endpoint)
    sagemaker.list_endpoints(NameContains=endpoint)
    assert [m["ModelName"] for m in sagemaker.list_models(NameContains=endpoint)["Models"]] == [
        endpoint
    ]
    configs = sagemaker.list_endpoint_configs(NameContains=endpoint)["EndpointConfigs"]
    assert [c["EndpointConfigName"] for c in configs] == [endpoint]
    arn = described["EndpointArn"]
    sagemaker.add_tags(ResourceArn=arn, Tags=[{"Key": "team", "Value": "ml"}])
    assert sagemaker.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "ml"}]
    sagemaker.delete_tags(ResourceArn=arn, TagKeys=["team"])
    sagemaker.update_endpoint_weights_and_capacities(
        EndpointName=endpoint,
        DesiredWeightsAndCapacities=[{"VariantName": "AllRequests", "DesiredWeight": 2.0}],
    )
    sagemaker.get_waiter("endpoint_in_service").wait(EndpointName=endpoint, WaiterConfig=FAST)
    sagemaker.update_endpoint(EndpointName=endpoint, EndpointConfigName=endpoint)
    sagemaker.describe_endpoint(EndpointName=endpoint)  # while Updating
    sagemaker.get_waiter("endpoint_in_service").wait(EndpointName=endpoint, WaiterConfig=FAST)

    stream = logs.describe_log_streams(
        logGroupName="/aws/sagemaker/TrainingJobs", logStreamNamePrefix=name
    )["logStreams"][0]["logStreamName"]
    events = logs.get_log_events(
        logGroupName="/aws/sagemaker/TrainingJobs", logStreamName=stream, startFromHead=True
    )["events"]
    assert any("trained on 4 rows" in e["message"] for e in events)
    endpoint_streams = logs.describe_log_streams(
        logGroupName=f"/aws/sagemaker/Endpoints/{endpoint}"
    )
    assert endpoint_streams["logStreams"][0]["logStreamName"].startswith("AllRequests/i-")

    slow = start_job(
        {"sagemaker": sagemaker}, training_data, hyperparameters={"sleep_seconds": "30"}
    )
    sagemaker.stop_training_job(TrainingJobName=slow)
    assert wait_job({"sagemaker": sagemaker}, slow)["TrainingJobStatus"] == "Stopped"

    sagemaker.delete_endpoint(EndpointName=endpoint)
    sagemaker.get_waiter("endpoint_deleted").wait(EndpointName=endpoint, WaiterConfig=FAST)
    sagemaker.delete_endpoint_config(EndpointConfigName=endpoint)
    sagemaker.delete_model(ModelName=endpoint)

    assert recorder.failures == []
    assert log_recorder.failures == []
    assert set(recorder.checked) >= OPERATIONS, OPERATIONS - set(recorder.checked)
    assert {"GetLogEvents", "DescribeLogStreams"} <= set(log_recorder.checked)


def test_missing_resources_are_validation_exceptions(clients):
    sagemaker = clients["sagemaker"]
    calls = [
        lambda: sagemaker.describe_training_job(TrainingJobName="nope"),
        lambda: sagemaker.stop_training_job(TrainingJobName="nope"),
        lambda: sagemaker.describe_model(ModelName="nope"),
        lambda: sagemaker.delete_model(ModelName="nope"),
        lambda: sagemaker.describe_endpoint_config(EndpointConfigName="nope"),
        lambda: sagemaker.delete_endpoint_config(EndpointConfigName="nope"),
        lambda: sagemaker.describe_endpoint(EndpointName="nope"),
        lambda: sagemaker.delete_endpoint(EndpointName="nope"),
        lambda: sagemaker.create_endpoint(EndpointName=unique("e"), EndpointConfigName="nope"),
    ]
    for call in calls:
        with pytest.raises(ClientError) as error:
            call()
        assert _code(error) == "ValidationException"
    with pytest.raises(
        ClientError,
        match='Could not find endpoint "arn:aws:sagemaker:us-east-1:123456789012:endpoint/nope"',
    ):
        sagemaker.describe_endpoint(EndpointName="nope")


def test_duplicates_and_invalid_fields(clients, training_data):
    sagemaker = clients["sagemaker"]
    name = start_job(clients, training_data)
    with pytest.raises(ClientError, match="Training job names must be unique") as error:
        start_job(clients, training_data, name=name)
    assert _code(error) == "ResourceInUse"
    with pytest.raises(
        ClientError, match="at 'trainingJobName' failed to satisfy constraint"
    ) as error:
        start_job(clients, training_data, name="bad_name!")
    assert _code(error) == "ValidationException"
    with pytest.raises(ClientError, match="at 'roleArn'"):
        sagemaker.create_training_job(
            TrainingJobName=unique("j"),
            RoleArn="arn:aws:iam::not-a-role-arn",
            AlgorithmSpecification={"TrainingImage": "x/test-sum:1", "TrainingInputMode": "File"},
            OutputDataConfig={"S3OutputPath": "s3://b/o"},
            ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
            StoppingCondition={"MaxRuntimeInSeconds": 60},
        )
    with pytest.raises(
        ClientError,
        match="at 'algorithmSpecification.trainingImage'|AlgorithmSpecification.TrainingImage",
    ):
        sagemaker.create_training_job(
            TrainingJobName=unique("j"),
            RoleArn=ROLE,
            AlgorithmSpecification={"TrainingInputMode": "File"},
            OutputDataConfig={"S3OutputPath": "s3://b/o"},
        )
    model = unique("m")
    sagemaker.create_model(
        ModelName=model, PrimaryContainer={"Image": ECHO_IMAGE}, ExecutionRoleArn=ROLE
    )
    with pytest.raises(ClientError, match="Cannot create already existing model") as error:
        sagemaker.create_model(
            ModelName=model, PrimaryContainer={"Image": ECHO_IMAGE}, ExecutionRoleArn=ROLE
        )
    assert _code(error) == "ValidationException"
    variants = [
        {
            "VariantName": "AllRequests",
            "ModelName": model,
            "InitialInstanceCount": 1,
            "InstanceType": "ml.m5.large",
        }
    ]
    sagemaker.create_endpoint_config(EndpointConfigName=model, ProductionVariants=variants)
    with pytest.raises(ClientError, match="Cannot create already existing endpoint configuration"):
        sagemaker.create_endpoint_config(EndpointConfigName=model, ProductionVariants=variants)
    with pytest.raises(ClientError, match="Could not find model"):
        sagemaker.create_endpoint_config(
            EndpointConfigName=unique("c"),
            ProductionVariants=[{**variants[0], "ModelName": "missing-model"}],
        )
    wait_job(clients, name)


def test_failure_file_becomes_failure_reason(clients, training_data):
    name = start_job(clients, training_data, hyperparameters={"fail": "true"})
    with pytest.raises(WaiterError):
        clients["sagemaker"].get_waiter("training_job_completed_or_stopped").wait(
            TrainingJobName=name, WaiterConfig=FAST
        )
    job = clients["sagemaker"].describe_training_job(TrainingJobName=name)
    assert job["TrainingJobStatus"] == "Failed" and job["SecondaryStatus"] == "Failed"
    assert job["FailureReason"] == "AlgorithmError: requested failure: fail=true"


def test_missing_input_fails_like_the_service(clients, training_data):
    channels = [
        {
            "ChannelName": "train",
            "DataSource": {
                "S3DataSource": {
                    "S3DataType": "S3Prefix",
                    "S3Uri": f"s3://{training_data}/nothing-here",
                }
            },
        }
    ]
    job = wait_job(clients, start_job(clients, training_data, channels=channels))
    assert job["TrainingJobStatus"] == "Failed"
    assert job["FailureReason"].startswith("ClientError: No S3 objects found under S3 URL")


def test_unknown_image_fails_with_the_known_ones(clients, training_data):
    job = wait_job(clients, start_job(clients, training_data, image="1.dkr.ecr.x/nobody:1"))
    assert job["TrainingJobStatus"] == "Failed"
    assert "no local image for '1.dkr.ecr.x/nobody:1' (repository 'nobody')" in job["FailureReason"]


def test_max_runtime_ends_stopped(clients, training_data):
    name = start_job(clients, training_data, hyperparameters={"sleep_seconds": "30"}, max_runtime=1)
    job = wait_job(clients, name)
    assert job["TrainingJobStatus"] == "Stopped"
    assert job["SecondaryStatus"] == "MaxRuntimeExceeded"


def test_manifest_file_channel(clients, training_data):
    s3 = clients["s3"]
    manifest = f'[{{"prefix": "s3://{training_data}/train/"}}, "part-00000.pbr"]'
    s3.put_object(Bucket=training_data, Key="manifests/train.manifest", Body=manifest.encode())
    channels = [
        {
            "ChannelName": "train",
            "DataSource": {
                "S3DataSource": {
                    "S3DataType": "ManifestFile",
                    "S3Uri": f"s3://{training_data}/manifests/train.manifest",
                }
            },
        }
    ]
    job = wait_job(clients, start_job(clients, training_data, channels=channels))
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")


def test_unsafe_model_archive_fails_the_endpoint(clients, training_data):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("../escaped.txt")
        info.size = 4
        archive.addfile(info, io.BytesIO(b"evil"))
    clients["s3"].put_object(Bucket=training_data, Key="evil/model.tar.gz", Body=buffer.getvalue())
    name = host(clients, f"s3://{training_data}/evil/model.tar.gz", wait=False)
    with pytest.raises(WaiterError):
        clients["sagemaker"].get_waiter("endpoint_in_service").wait(
            EndpointName=name, WaiterConfig=FAST
        )
    endpoint = clients["sagemaker"].describe_endpoint(EndpointName=name)
    assert endpoint["EndpointStatus"] == "Failed"
    assert "cannot extract the model archive" in endpoint["FailureReason"]
