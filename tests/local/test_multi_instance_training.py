"""Training jobs of several instances on the local backend, through boto3: one container
process per host, each with ``resourceconfig.json`` naming ``algo-1..n`` and itself, its
share of a ShardedByS3Key channel (every object of a FullyReplicated one), a log stream of
its own, and the model artifact made of every host's ``model/``. A Python-function image
(as the first-party ones are) trains on algo-1 only and says so in each host's log."""

from __future__ import annotations

import io
import json
import sys
import tarfile

import pytest
from local_helpers import ROLE, SUM_IMAGE, unique, wait_job

from smspark_core.plugins.specs import LocalImageSpec

# A command-line image: each host writes what it saw to model/<host>.json and logs it.
REPORTER = """
import json, os, pathlib, sys
root = pathlib.Path(os.environ["SMSPARK_OPT_ML"])
config = json.loads((root / "input/config/resourceconfig.json").read_text())
seen = {
    channel.name: sorted(p.name for p in channel.iterdir())
    for channel in sorted((root / "input/data").iterdir())
}
report = {"resource": config, "seen": seen, "pid": os.getpid()}
(root / "model" / (config["current_host"] + ".json")).write_text(json.dumps(report))
print("host", config["current_host"], "of", config["hosts"], "saw", json.dumps(seen), flush=True)
if os.environ.get("FAIL_ON") == config["current_host"]:
    (root / "output/failure").write_text("failed on " + config["current_host"])
    sys.exit(3)
"""
REPORTER_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/host-reporter:1"


@pytest.fixture(scope="module")
def data(local, clients):
    local.register_image(
        REPORTER_IMAGE, LocalImageSpec("host-reporter", train=[sys.executable, "-c", REPORTER])
    )
    bucket = unique("hosts")
    clients["s3"].create_bucket(Bucket=bucket)
    for number in range(5):
        clients["s3"].put_object(Bucket=bucket, Key=f"shards/part-{number}", Body=b"x")
    clients["s3"].put_object(Bucket=bucket, Key="all/vocabulary", Body=b"y")
    return bucket


def _channel(name, uri, distribution):
    return {
        "ChannelName": name,
        "DataSource": {
            "S3DataSource": {
                "S3DataType": "S3Prefix",
                "S3Uri": uri,
                "S3DataDistributionType": distribution,
            }
        },
    }


def _train(clients, bucket, *, image=REPORTER_IMAGE, instances=3, environment=None, channels=None):
    name = unique("hosts")
    clients["sagemaker"].create_training_job(
        TrainingJobName=name,
        RoleArn=ROLE,
        AlgorithmSpecification={"TrainingImage": image, "TrainingInputMode": "File"},
        HyperParameters={"feature_dim": "3"},
        InputDataConfig=channels
        or [
            _channel("train", f"s3://{bucket}/shards", "ShardedByS3Key"),
            _channel("vocabulary", f"s3://{bucket}/all", "FullyReplicated"),
        ],
        OutputDataConfig={"S3OutputPath": f"s3://{bucket}/output"},
        ResourceConfig={
            "InstanceType": "ml.m5.large",
            "InstanceCount": instances,
            "VolumeSizeInGB": 1,
        },
        StoppingCondition={"MaxRuntimeInSeconds": 120},
        Environment=environment or {},
    )
    return wait_job(clients, name)


def _artifact(clients, job) -> dict[str, bytes]:
    bucket, _, key = job["ModelArtifacts"]["S3ModelArtifacts"][len("s3://") :].partition("/")
    body = clients["s3"].get_object(Bucket=bucket, Key=key)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body)) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


def _streams(clients, job) -> dict[str, list[str]]:
    logs = clients["logs"]
    group = "/aws/sagemaker/TrainingJobs"
    streams = logs.describe_log_streams(
        logGroupName=group, logStreamNamePrefix=f"{job['TrainingJobName']}/"
    )["logStreams"]
    return {
        s["logStreamName"]: [
            e["message"]
            for e in logs.get_log_events(logGroupName=group, logStreamName=s["logStreamName"])[
                "events"
            ]
        ]
        for s in streams
    }


def test_each_host_runs_its_own_process_with_its_share_of_the_data(clients, data):
    job = _train(clients, data)
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    reports = {name: json.loads(body) for name, body in _artifact(clients, job).items()}
    assert sorted(reports) == ["algo-1.json", "algo-2.json", "algo-3.json"]
    hosts = ["algo-1", "algo-2", "algo-3"]
    for number, host in enumerate(hosts):
        report = reports[f"{host}.json"]
        assert report["resource"]["current_host"] == host
        assert report["resource"]["hosts"] == hosts
        assert report["seen"]["vocabulary"] == ["vocabulary"]  # FullyReplicated: all
        # ShardedByS3Key: objects number, number + 3, ... in key order
        assert report["seen"]["train"] == [f"part-{i}" for i in range(number, 5, 3)]
    assert len({report["pid"] for report in reports.values()}) == 3
    streams = _streams(clients, job)
    started = {name.rsplit("-", 1)[0] for name in streams}
    assert started == {f"{job['TrainingJobName']}/{host}" for host in hosts}
    for name, messages in streams.items():
        host = name.split("/")[1].rsplit("-", 1)[0]
        assert any(m.startswith(f"host {host} of ") for m in messages), (name, messages)


def test_a_failing_host_fails_the_job(clients, data):
    job = _train(clients, data, environment={"FAIL_ON": "algo-2"})
    assert job["TrainingJobStatus"] == "Failed"
    assert job["FailureReason"] == "AlgorithmError: failed on algo-2"


def test_a_python_function_image_trains_on_the_first_host_and_says_so(clients, training_data, data):
    channel = _channel("train", f"s3://{training_data}/train", "FullyReplicated")
    job = _train(clients, data, image=SUM_IMAGE, instances=2, channels=[channel])
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    assert list(_artifact(clients, job)) == ["weights.json"]  # algo-1's model only
    streams = {n.split("/")[1].rsplit("-", 1)[0]: m for n, m in _streams(clients, job).items()}
    assert any("trains on one host of 2: this one" in m for m in streams["algo-1"])
    assert any("trained on 4 rows" in m for m in streams["algo-1"])
    assert any("algo-2 has nothing to do and ends" in m for m in streams["algo-2"])
    assert not any("trained on" in m for m in streams["algo-2"])
