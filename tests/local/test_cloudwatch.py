"""CloudWatch on the local backend: the training metrics (GetMetricStatistics, ListMetrics,
spoken in the CBOR protocol botocore uses for CloudWatch) and the logs' DescribeLogGroups and
FilterLogEvents."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError
from local_helpers import ROLE, SUM_IMAGE, unique, wait_job
from shapes import ShapeRecorder

NAMESPACE = "/aws/sagemaker/TrainingJobs"


@pytest.fixture(scope="module")
def job(clients, training_data):
    name = unique("cw")
    clients["sagemaker"].create_training_job(
        TrainingJobName=name,
        RoleArn=ROLE,
        AlgorithmSpecification={
            "TrainingImage": SUM_IMAGE,
            "TrainingInputMode": "File",
            "MetricDefinitions": [{"Name": "rows", "Regex": r"trained on (\d+) rows"}],
        },
        InputDataConfig=[
            {
                "ChannelName": "train",
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": f"s3://{training_data}/train",
                    }
                },
            }
        ],
        OutputDataConfig={"S3OutputPath": f"s3://{training_data}/output"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
        StoppingCondition={"MaxRuntimeInSeconds": 60},
    )
    described = wait_job(clients, name)
    assert described["TrainingJobStatus"] == "Completed", described.get("FailureReason")
    return described


def test_metric_statistics_of_a_training_job(local, job):
    cloudwatch = local.client("cloudwatch")
    assert cloudwatch.meta.service_model.protocol in ("smithy-rpc-v2-cbor", "json", "query")
    dimensions = [{"Name": "TrainingJobName", "Value": job["TrainingJobName"]}]
    listed = cloudwatch.list_metrics(Namespace=NAMESPACE, Dimensions=dimensions)["Metrics"]
    assert sorted(m["MetricName"] for m in listed) == ["rows", "train:rows"]
    answer = cloudwatch.get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName="rows",
        Dimensions=dimensions,
        StartTime=job["TrainingStartTime"] - timedelta(minutes=1),
        EndTime=job["TrainingEndTime"] + timedelta(minutes=1),
        Period=60,
        Statistics=["Average", "Maximum", "SampleCount"],
    )
    assert answer["Label"] == "rows"
    [point] = answer["Datapoints"]
    assert (point["Average"], point["Maximum"], point["SampleCount"]) == (4.0, 4.0, 1.0)
    assert isinstance(point["Timestamp"], datetime)
    outside = cloudwatch.get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName="rows",
        Dimensions=dimensions,
        StartTime=datetime(2000, 1, 1, tzinfo=timezone.utc),
        EndTime=datetime(2000, 1, 2, tzinfo=timezone.utc),
        Period=60,
        Statistics=["Average"],
    )
    assert outside["Datapoints"] == []
    with pytest.raises(ClientError, match="Statistics must name"):
        cloudwatch.get_metric_statistics(
            Namespace=NAMESPACE,
            MetricName="rows",
            Dimensions=dimensions,
            StartTime=datetime(2000, 1, 1, tzinfo=timezone.utc),
            EndTime=datetime(2000, 1, 2, tzinfo=timezone.utc),
            Period=60,
            Statistics=["Median"],
        )


def test_log_groups_and_filtered_events(clients, job):
    logs = clients["logs"]
    recorder = ShapeRecorder(logs)
    groups = logs.describe_log_groups(logGroupNamePrefix="/aws/sagemaker/")["logGroups"]
    assert "/aws/sagemaker/TrainingJobs" in [g["logGroupName"] for g in groups]
    events = logs.filter_log_events(
        logGroupName="/aws/sagemaker/TrainingJobs",
        logStreamNamePrefix=job["TrainingJobName"],
        filterPattern='"trained on" rows',
    )["events"]
    assert [e["message"] for e in events] == ["trained on 4 rows"]
    assert events[0]["logStreamName"].startswith(f"{job['TrainingJobName']}/algo-1-")
    with pytest.raises(ClientError, match="not supported by the local backend"):
        logs.filter_log_events(logGroupName="/aws/sagemaker/TrainingJobs", filterPattern="{ $.x }")
    assert recorder.failures == []
    assert {"DescribeLogGroups", "FilterLogEvents"} <= set(recorder.checked)
