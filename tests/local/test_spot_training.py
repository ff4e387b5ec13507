"""Managed spot training and checkpoint sync on the local backend, through boto3 with a test
image that keeps no checkpoints (k-means resuming from its checkpoints is tested with the
kmeans plugin): injected interruptions, the statuses and billing of an interrupted job,
MaxWaitTimeInSeconds, what a container's checkpoint directory holds and where it goes, and
the errors for a checkpoint location that cannot work."""

from __future__ import annotations

import pytest
from local_helpers import ROLE, SUM_IMAGE, unique, wait_job
from shapes import ShapeRecorder


def _spot_job(clients, bucket, *, hyperparameters, stopping=None, checkpoints=None, spot=True):
    name = unique("spot")
    options: dict = {"EnableManagedSpotTraining": True} if spot else {}
    if checkpoints:
        options["CheckpointConfig"] = checkpoints
    clients["sagemaker"].create_training_job(
        TrainingJobName=name,
        RoleArn=ROLE,
        AlgorithmSpecification={"TrainingImage": SUM_IMAGE, "TrainingInputMode": "File"},
        HyperParameters={"feature_dim": "3", **hyperparameters},
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
        StoppingCondition=stopping or {"MaxRuntimeInSeconds": 120, "MaxWaitTimeInSeconds": 240},
        **options,
    )
    return wait_job(clients, name)


@pytest.fixture
def interruptions(local):
    def set_(**settings):
        return local.set_spot_interruptions(**settings)

    yield set_
    local.clear_spot_interruptions()


def statuses(job) -> list[str]:
    return [t["Status"] for t in job["SecondaryStatusTransitions"]]


def test_an_interrupted_job_restarts_and_bills_less_than_it_took(
    clients, training_data, interruptions
):
    recorder = ShapeRecorder(clients["sagemaker"])
    interruptions(interruptions=2, after_checkpoints=0, after_seconds=0.5, capacity_wait_seconds=1)
    job = _spot_job(clients, training_data, hyperparameters={"sleep_seconds": "1"})
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    restart = ["Interrupted", "Pending", "Starting", "Downloading", "Training"]
    assert statuses(job) == [
        "Starting",
        "Downloading",
        "Training",
        *restart,
        *restart,
        "Uploading",
        "Completed",
    ]
    # Two waits of a second for capacity: training time, not billable time.
    assert job["BillableTimeInSeconds"] <= job["TrainingTimeInSeconds"] - 2
    assert recorder.failures == [] and recorder.checked["DescribeTrainingJob"] >= 1
    events = clients["logs"].filter_log_events(
        logGroupName="/aws/sagemaker/TrainingJobs", logStreamNamePrefix=job["TrainingJobName"]
    )["events"]
    assert sum(e["message"].startswith("Interrupted: ") for e in events) == 2


def test_jobs_not_on_spot_are_never_interrupted(clients, training_data, interruptions):
    interruptions(after_checkpoints=0, after_seconds=0.1)
    job = _spot_job(clients, training_data, hyperparameters={"sleep_seconds": "1"}, spot=False)
    assert job["TrainingJobStatus"] == "Completed"
    assert "Interrupted" not in statuses(job)
    assert job["BillableTimeInSeconds"] == job["TrainingTimeInSeconds"]


def test_max_wait_time_ends_a_job_that_waits_for_capacity(clients, training_data, interruptions):
    interruptions(after_checkpoints=0, after_seconds=0.2, capacity_wait_seconds=7)
    job = _spot_job(
        clients,
        training_data,
        hyperparameters={"sleep_seconds": "30"},
        stopping={"MaxRuntimeInSeconds": 6, "MaxWaitTimeInSeconds": 6},
    )
    assert job["TrainingJobStatus"] == "Stopped"
    assert statuses(job)[-3:] == ["Interrupted", "Pending", "MaxWaitTimeExceeded"]


def test_checkpoints_are_restored_into_the_container_and_synced_back(clients, training_data):
    s3 = clients["s3"]
    prefix = unique("ckpt")
    s3.put_object(Bucket=training_data, Key=f"{prefix}/step-1/state.txt", Body=b"saved")
    job = _spot_job(
        clients,
        training_data,
        hyperparameters={"checkpoint_note": "written by the container"},
        checkpoints={"S3Uri": f"s3://{training_data}/{prefix}"},
    )
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    listed = s3.list_objects_v2(Bucket=training_data, Prefix=f"{prefix}/")["Contents"]
    assert sorted(item["Key"] for item in listed) == [
        f"{prefix}/note.txt",
        f"{prefix}/step-1/state.txt",
    ]
    note = s3.get_object(Bucket=training_data, Key=f"{prefix}/note.txt")["Body"].read()
    assert note == b"written by the container; restored: step-1/state.txt"


@pytest.mark.parametrize(
    "checkpoints, reason",
    [
        (
            {"S3Uri": "s3://no-such-bucket-for-checkpoints/x"},
            "Bucket 'no-such-bucket-for-checkpoints' does not exist",
        ),
        (
            {"S3Uri": "s3://{bucket}/x", "LocalPath": "/tmp/checkpoints"},
            "CheckpointConfig.LocalPath '/tmp/checkpoints': the local backend maps only "
            "directories under /opt/ml",
        ),
    ],
)
def test_a_checkpoint_location_that_cannot_work_fails_the_job(
    clients, training_data, checkpoints, reason
):
    checkpoints = {k: v.format(bucket=training_data) for k, v in checkpoints.items()}
    job = _spot_job(clients, training_data, hyperparameters={}, checkpoints=checkpoints)
    assert job["TrainingJobStatus"] == "Failed"
    assert reason in job["FailureReason"]


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"interruptions": -1}, "must not be negative"),
        ({"capacity_wait_seconds": -1}, "must not be negative"),
        ({"after_checkpoints": 0}, "set after_checkpoints or after_seconds"),
    ],
)
def test_bad_interruption_settings_are_refused(local, settings, message):
    with pytest.raises(ValueError, match=message):
        local.set_spot_interruptions(**settings)
