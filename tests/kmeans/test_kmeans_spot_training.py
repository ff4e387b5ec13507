"""Managed spot training with checkpoints, through boto3 on the local backend: a k-means job
interrupted after its first checkpoint restarts from it (restored from the CheckpointConfig
S3 URI), resumes after the saved epoch and ends with exactly the centroids of an
uninterrupted job; its status goes Interrupted, Pending, Starting, Downloading, Training
again, and it bills less time than it took."""

from __future__ import annotations

import io
import tarfile
import uuid

import numpy as np
import pytest
from algorithm_helpers import ROLE

from smspark_core.codecs import amazon_record, mxnet_ndarray

IMAGE = "382416733822.dkr.ecr.us-east-1.amazonaws.com/kmeans:1"
EPOCHS = 60


@pytest.fixture(scope="module")
def clients(local):
    return {s: local.client(s) for s in ("sagemaker", "s3", "logs")}


@pytest.fixture(scope="module")
def bucket(clients):
    """20,000 rows of 8 features around 5 centres, in 4 RecordIO-protobuf objects."""
    name = f"spot-{uuid.uuid4().hex[:8]}"
    clients["s3"].create_bucket(Bucket=name)
    rng = np.random.default_rng(7)
    centres = rng.normal(0, 10, size=(5, 8))
    rows = centres[np.arange(20_000) % 5] + rng.normal(0, 1, size=(20_000, 8))
    for part, chunk in enumerate(np.array_split(rows, 4)):
        body = amazon_record.dense_records(chunk).tobytes()
        clients["s3"].put_object(Bucket=name, Key=f"train/part-{part}.pbr", Body=body)
    return name


def train(clients, bucket, *, spot: bool, checkpoints: str | None) -> dict:
    name = f"kmeans-{uuid.uuid4().hex[:8]}"
    options: dict = {}
    stopping: dict = {"MaxRuntimeInSeconds": 600}
    if spot:
        options["EnableManagedSpotTraining"] = True
        stopping["MaxWaitTimeInSeconds"] = 1200
    if checkpoints:
        options["CheckpointConfig"] = {"S3Uri": checkpoints}
    sagemaker = clients["sagemaker"]
    sagemaker.create_training_job(
        TrainingJobName=name,
        RoleArn=ROLE,
        AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        HyperParameters={
            "k": "5",
            "feature_dim": "8",
            "mini_batch_size": "500",
            "epochs": str(EPOCHS),
        },
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
        StoppingCondition=stopping,
        **options,
    )
    sagemaker.get_waiter("training_job_completed_or_stopped").wait(
        TrainingJobName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 3000}
    )
    return sagemaker.describe_training_job(TrainingJobName=name)


def centroids(clients, job) -> np.ndarray:
    bucket, _, key = job["ModelArtifacts"]["S3ModelArtifacts"][len("s3://") :].partition("/")
    archive = clients["s3"].get_object(Bucket=bucket, Key=key)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        member = tar.extractfile("model_algo-1")
        assert member is not None
        return mxnet_ndarray.loads(member.read())[0]


def log_lines(clients, job) -> list[str]:
    events = clients["logs"].filter_log_events(
        logGroupName="/aws/sagemaker/TrainingJobs", logStreamNamePrefix=job["TrainingJobName"]
    )["events"]
    return [event["message"] for event in events]


@pytest.fixture(scope="module")
def uninterrupted(clients, bucket) -> np.ndarray:
    job = train(clients, bucket, spot=False, checkpoints=None)
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    return centroids(clients, job)


def test_an_interrupted_spot_job_resumes_from_its_checkpoint(local, clients, bucket, uninterrupted):
    local.set_spot_interruptions(interruptions=1, after_checkpoints=1, capacity_wait_seconds=2)
    try:
        job = train(clients, bucket, spot=True, checkpoints=f"s3://{bucket}/checkpoints/a")
    finally:
        local.clear_spot_interruptions()
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    statuses = [t["Status"] for t in job["SecondaryStatusTransitions"]]
    assert statuses == [
        "Starting",
        "Downloading",
        "Training",
        "Interrupted",
        "Pending",
        "Starting",
        "Downloading",
        "Training",
        "Uploading",
        "Completed",
    ]
    assert job["BillableTimeInSeconds"] < job["TrainingTimeInSeconds"]
    # The restart resumed after a saved epoch, and did not train the earlier ones again.
    lines = log_lines(clients, job)
    resumed = [i for i, line in enumerate(lines) if "resuming from the checkpoint after" in line]
    assert len(resumed) == 1, lines
    saved = int(lines[resumed[0]].split("after epoch ")[1].split("/")[0])
    assert 1 <= saved < EPOCHS

    def epochs(part: list[str]) -> list[int]:
        return [int(line.split()[1].split("/")[0]) for line in part if line.startswith("epoch ")]

    # The first attempt got at least as far as the checkpoint (an epoch it logged but did not
    # save before SIGTERM is trained again); the second one went on from there.
    before, after = epochs(lines[: resumed[0]]), epochs(lines[resumed[0] :])
    assert before[:saved] == list(range(1, saved + 1))
    assert after == list(range(saved + 1, EPOCHS + 1))
    assert any("checkpoints: restored 1 files" in line for line in lines)
    np.testing.assert_array_equal(centroids(clients, job), uninterrupted)
    listed = clients["s3"].list_objects_v2(Bucket=bucket, Prefix="checkpoints/a/")["Contents"]
    assert [item["Key"] for item in listed] == ["checkpoints/a/kmeans-state.npz"]


def test_a_new_job_given_a_finished_checkpoint_resumes_after_its_last_epoch(
    clients, bucket, uninterrupted
):
    first = train(clients, bucket, spot=False, checkpoints=f"s3://{bucket}/checkpoints/b")
    again = train(clients, bucket, spot=False, checkpoints=f"s3://{bucket}/checkpoints/b")
    assert again["TrainingJobStatus"] == "Completed", again.get("FailureReason")
    assert any(
        f"resuming from the checkpoint after epoch {EPOCHS}/{EPOCHS}" in line
        for line in log_lines(clients, again)
    )
    np.testing.assert_array_equal(centroids(clients, first), uninterrupted)
    np.testing.assert_array_equal(centroids(clients, again), uninterrupted)


def test_a_spot_job_without_interruptions_set_is_not_interrupted(clients, bucket):
    job = train(clients, bucket, spot=True, checkpoints=f"s3://{bucket}/checkpoints/c")
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    assert "Interrupted" not in [t["Status"] for t in job["SecondaryStatusTransitions"]]
