"""DescribeTrainingJob answers what the service answers and the SDK reads: the options as
sent, ``OutputDataConfig.KmsKeyId`` ("" when none), MetricDefinitions (a custom image's
applied to its log as SageMaker applies them), and the final metrics."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from local_helpers import ROLE, SUM_IMAGE, start_job, unique, wait_job
from shapes import ShapeRecorder
from smspark_local.service.metrics import definitions_for

from smspark_core.plugins.specs import LocalImageSpec, reported_metrics

OPTIONS = {
    "VpcConfig": {"SecurityGroupIds": ["sg-0123456789abcdef0"], "Subnets": ["subnet-0abc"]},
    "RetryStrategy": {"MaximumRetryAttempts": 2},
    "DebugHookConfig": {"S3OutputPath": "s3://bucket/debug", "HookParameters": {"a": "1"}},
    "ProfilerConfig": {"S3OutputPath": "s3://bucket/profiler", "DisableProfiler": False},
    "Environment": {"MODE": "test"},
    "EnableInterContainerTrafficEncryption": True,
    "EnableManagedSpotTraining": True,
    "EnableNetworkIsolation": True,
}


def _create(clients, bucket, name, *, definitions=None, stopping=None, **options):
    algorithm = {"TrainingImage": SUM_IMAGE, "TrainingInputMode": "File"}
    if definitions is not None:
        algorithm["MetricDefinitions"] = definitions
    clients["sagemaker"].create_training_job(
        TrainingJobName=name,
        RoleArn=ROLE,
        AlgorithmSpecification=algorithm,
        HyperParameters={"feature_dim": "3"},
        InputDataConfig=[
            {
                "ChannelName": "train",
                "DataSource": {
                    "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/train"}
                },
            }
        ],
        OutputDataConfig={"S3OutputPath": f"s3://{bucket}/output"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
        StoppingCondition=stopping or {"MaxRuntimeInSeconds": 120},
        **options,
    )
    return wait_job(clients, name)


def test_options_are_echoed_as_sent(clients, training_data):
    recorder = ShapeRecorder(clients["sagemaker"])
    # The checkpoints are synced to S3: their bucket must exist, as on the service.
    checkpoints = {"S3Uri": f"s3://{training_data}/checkpoints", "LocalPath": "/opt/ml/checkpoints"}
    options = {**OPTIONS, "CheckpointConfig": checkpoints}
    job = _create(
        clients,
        training_data,
        unique("opts"),
        stopping={"MaxRuntimeInSeconds": 120, "MaxWaitTimeInSeconds": 240},
        **options,
    )
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    for field, value in options.items():
        assert job[field] == value, field
    assert job["StoppingCondition"]["MaxWaitTimeInSeconds"] == 240
    assert job["OutputDataConfig"]["KmsKeyId"] == ""
    assert recorder.failures == []


def test_defaults_and_kms_key(clients, training_data):
    name = start_job(clients, training_data)
    job = wait_job(clients, name)
    assert job["OutputDataConfig"]["KmsKeyId"] == ""
    assert job["EnableManagedSpotTraining"] is False
    assert job["EnableInterContainerTrafficEncryption"] is False
    assert "VpcConfig" not in job and "CheckpointConfig" not in job
    assert "MetricDefinitions" not in job["AlgorithmSpecification"]  # a custom image, none sent


def test_custom_metric_definitions_read_the_log(clients, training_data):
    definitions = [
        {"Name": "rows", "Regex": r"trained on (\d+) rows"},
        {"Name": "never", "Regex": r"no such line (\S+)"},
    ]
    job = _create(clients, training_data, unique("md"), definitions=definitions)
    assert job["AlgorithmSpecification"]["MetricDefinitions"] == definitions
    final = {m["MetricName"]: m["Value"] for m in job["FinalMetricDataList"]}
    assert final == {"rows": 4.0, "train:rows": 4.0}  # the regex's and the reported one


def test_a_regex_without_a_group_is_refused(clients, training_data):
    with pytest.raises(ClientError, match="must capture the value in a group"):
        _create(
            clients,
            training_data,
            unique("bad"),
            definitions=[{"Name": "rows", "Regex": r"trained on \d+ rows"}],
        )


def test_first_party_images_bring_their_definitions():
    spec = LocalImageSpec("algo", metric_definitions=reported_metrics("test:msd"))
    assert definitions_for(None, spec) == [{"Name": "test:msd", "Regex": r"#metric test:msd=(\S+)"}]
    given = [{"Name": "x", "Regex": "x=(.*)"}]
    assert definitions_for(given, spec) == given
