"""Starting and stopping the backend: environment, child processes, resuming a working
directory, and the ``smspark local`` command."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import boto3
import pytest
from local_helpers import ECHO, ECHO_IMAGE, SUM, host, start_job, unique, wait_job
from smspark_local import LocalSageMaker


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is not alive
        return stat.read().split()[2] != "Z"


def _wait_gone(pid: int, seconds: float = 30.0) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return False


def _train_and_host(backend: LocalSageMaker) -> tuple[dict, str]:
    clients = {s: backend.client(s) for s in ("sagemaker", "s3")}
    bucket = unique("data")
    clients["s3"].create_bucket(Bucket=bucket)
    clients["s3"].put_object(Bucket=bucket, Key="train/x", Body=b"x")
    job = wait_job(clients, start_job(clients, bucket, image=ECHO_IMAGE))
    return clients, host(clients, job["ModelArtifacts"]["S3ModelArtifacts"], image=ECHO_IMAGE)


def test_environment_points_boto3_here_and_is_restored(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "before")
    with LocalSageMaker() as backend:
        assert os.environ["AWS_ENDPOINT_URL_SAGEMAKER"] == backend.url
        assert boto3.client("sagemaker").list_endpoints()["Endpoints"] == []
        child = subprocess.run(
            [
                sys.executable,
                "-c",
                "import boto3; print(boto3.client('sagemaker').list_endpoints()['Endpoints'])",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        assert child.stdout.strip() == "[]"  # processes started inside inherit the settings
        assert backend.url.startswith("http://127.0.0.1:") and backend.s3_url.startswith(
            "http://127.0.0.1:"
        )
    assert "AWS_ENDPOINT_URL_SAGEMAKER" not in os.environ
    assert os.environ["AWS_ACCESS_KEY_ID"] == "before"


def test_children_stop_when_the_block_raises():
    pids = []
    with (
        pytest.raises(RuntimeError, match="user code failed"),
        LocalSageMaker(images={"echo": ECHO}) as backend,
    ):
        backend.register_image(ECHO_IMAGE, ECHO)
        _, endpoint = _train_and_host(backend)
        variant = backend.api.endpoints[endpoint].first_variant()
        pids = [instance.process.pid for instance in variant.instances]
        raise RuntimeError("user code failed")
    assert pids and all(_wait_gone(pid) for pid in pids)


def test_children_stop_when_the_backend_process_dies(tmp_path):
    script = textwrap.dedent(
        f"""
        import sys, time
        sys.path.insert(0, {os.path.dirname(__file__)!r})
        from local_helpers import ECHO, ECHO_IMAGE
        from test_lifecycle import _train_and_host
        from smspark_local import LocalSageMaker
        backend = LocalSageMaker()
        backend.start()
        backend.register_image(ECHO_IMAGE, ECHO)
        _, endpoint = _train_and_host(backend)
        print(backend.api.endpoints[endpoint].first_variant().instances[0].process.pid, flush=True)
        time.sleep(600)
        """
    )
    owner = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    pid = int(owner.stdout.readline())
    assert _alive(pid)
    owner.send_signal(signal.SIGKILL)
    owner.wait()
    assert _wait_gone(pid), "the model server outlived the backend process"


def test_reopening_the_workdir_resumes_endpoints_and_s3(tmp_path):
    with LocalSageMaker(tmp_path, images={"echo": ECHO}) as backend:
        backend.register_image(ECHO_IMAGE, ECHO)
        clients, endpoint = _train_and_host(backend)
        clients["s3"].create_bucket(Bucket="kept")
        clients["s3"].put_object(Bucket="kept", Key="a/b.txt", Body=b"still here")
    with LocalSageMaker(tmp_path, images={"echo": ECHO}) as backend:
        backend.register_image(ECHO_IMAGE, ECHO)
        sagemaker = backend.client("sagemaker")
        sagemaker.get_waiter("endpoint_in_service").wait(
            EndpointName=endpoint, WaiterConfig={"Delay": 0.1, "MaxAttempts": 600}
        )
        answer = backend.client("sagemaker-runtime").invoke_endpoint(
            EndpointName=endpoint, Body=b"hello", ContentType="text/plain"
        )
        assert answer["Body"].read() == b"hello"
        assert (
            backend.client("s3").get_object(Bucket="kept", Key="a/b.txt")["Body"].read()
            == b"still here"
        )
        assert [e["EndpointName"] for e in sagemaker.list_endpoints()["Endpoints"]] == [endpoint]


def test_a_job_running_at_a_crash_is_failed_on_resume(tmp_path):
    with LocalSageMaker(tmp_path, images={"test-sum": SUM}) as backend:
        clients = {s: backend.client(s) for s in ("sagemaker", "s3")}
        clients["s3"].create_bucket(Bucket="bucket-b")
        clients["s3"].put_object(Bucket="bucket-b", Key="train/x.csv", Body=b"0,1\n")
        name = wait_job(clients, start_job(clients, "bucket-b"))["TrainingJobName"]
    # A crash leaves the saved state showing the job still running.
    state = json.loads((tmp_path / "state.json").read_text())
    state["training_jobs"][name]["TrainingJobStatus"] = "InProgress"
    (tmp_path / "state.json").write_text(json.dumps(state))
    with LocalSageMaker(tmp_path) as backend:
        job = backend.client("sagemaker").describe_training_job(TrainingJobName=name)
        assert job["TrainingJobStatus"] == "Failed"
        assert "stopped while the job ran" in job["FailureReason"]


def test_smspark_local_command_prints_the_settings(tmp_path):
    command = [sys.executable, "-m", "smspark_core.cli", "local", "--workdir", str(tmp_path)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        settings = {}
        for line in process.stdout:
            if line.startswith("export "):
                key, _, value = line[len("export ") :].strip().partition("=")
                settings[key] = value
            if line.startswith("# state:"):
                break
        client = boto3.client(
            "sagemaker",
            endpoint_url=settings["AWS_ENDPOINT_URL_SAGEMAKER"],
            region_name="us-east-1",
        )
        assert client.list_training_jobs()["TrainingJobSummaries"] == []
        assert settings["AWS_ENDPOINT_URL_SAGEMAKER"].startswith("http://127.0.0.1:")
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
    assert json.loads((tmp_path / "state.json").read_text())["training_jobs"] == {}


def test_sts_and_spark_workers_started_inside_reach_the_backend(tmp_path):
    """A SparkSession made inside the block: its Python workers call the backend."""
    script = textwrap.dedent(
        """
        import boto3
        from pyspark.sql import SparkSession
        from smspark_local import LocalSageMaker

        with LocalSageMaker() as backend:
            print(boto3.client("sts").get_caller_identity()["Account"])
            spark = (SparkSession.builder.master("local[1]")
                     .config("spark.ui.enabled", "false").getOrCreate())

            def on_worker(rows):
                import boto3
                yield (len(boto3.client("sagemaker").list_endpoints()["Endpoints"]),)

            print(spark.range(1).rdd.mapPartitions(on_worker).collect())
            spark.stop()
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.split()
    assert lines[0].isdigit() and len(lines[0]) == 12  # moto's STS answers an account id
    assert lines[-1] == "[(0,)]"
