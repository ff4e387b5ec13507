"""transform() rides out real outages without Spark task retries (``local[2]`` gives each task
one attempt, as ``spark.task.maxFailures=1``): throttling, 5xx, a model server killed once,
twice in a row, or while its model takes 3 s to load. Every id comes back exactly once with
the fault-free prediction, and ``transformStats`` says what it took. The figures go to the
README's reliability table (``-s`` prints them)."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path

import pytest
from conftest import IMAGE, ROLE, ROWS, frame, summary

from smspark_core.model import SageMakerModel
from smspark_core.resources import SageMakerResourceCleanup
from smspark_core.transformation.deserializers import XGBoostCSVRowDeserializer
from smspark_core.transformation.serializers import UnlabeledCSVRequestRowSerializer

pytestmark = [pytest.mark.reliability, pytest.mark.spark]
ROWS_PER_REQUEST = 1000  # 200 requests, so that faults hit many of them
KILL_AFTER_REQUESTS = 40  # a fifth of the way through


def _archive() -> bytes:
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w:gz") as tar:
        tar.addfile(tarfile.TarInfo("model"), io.BytesIO(b""))
    return data.getvalue()


@pytest.fixture(scope="module")
def artifact(local):
    s3 = local.client("s3")
    s3.create_bucket(Bucket="reliability")
    s3.put_object(Bucket="reliability", Key="model.tar.gz", Body=_archive())
    return "s3://reliability/model.tar.gz"


def _host(local, artifact, environment=None):
    return SageMakerModel.from_model_s3_path(
        artifact,
        IMAGE,
        ROLE,
        "ml.m5.large",
        1,
        UnlabeledCSVRequestRowSerializer(),
        XGBoostCSVRowDeserializer(),
        modelEnvironmentVariables=environment,
        endpointPollSeconds=0.1,
        clientSpec=local.client_spec,
    )


@pytest.fixture(scope="module")
def endpoint(local, artifact):
    hosted = _host(local, artifact)
    yield hosted.endpointName
    SageMakerResourceCleanup(local.client("sagemaker")).delete_resources(
        hosted.getCreatedResources()
    )


@pytest.fixture(scope="module")
def slow_endpoint(local, artifact):
    """A model server whose model takes 3 s to load (also after every restart)."""
    hosted = _host(local, artifact, {"STUB_LOAD_SECONDS": "3"})
    yield hosted.endpointName
    SageMakerResourceCleanup(local.client("sagemaker")).delete_resources(
        hosted.getCreatedResources()
    )


@pytest.fixture(scope="module")
def data(spark):
    return frame(spark)


@pytest.fixture(scope="module")
def fault_free(local, endpoint, data):
    model = _model(local, endpoint)
    result = summary(model.transform(data))
    assert result["rows"] == result["ids"] == ROWS and result["wrong"] == 0
    assert model.transformStats["retries"] == 0
    return result


def _model(local, endpoint):
    return SageMakerModel.from_endpoint(
        endpoint,
        UnlabeledCSVRequestRowSerializer(),
        XGBoostCSVRowDeserializer(),
        clientSpec=local.client_spec,
        maxRowsPerRequest=ROWS_PER_REQUEST,
    )


def _server(local, endpoint):
    return local.api.endpoints[endpoint].first_variant().instances[0]


def _after_requests(faults, count: int) -> None:
    while faults.requests < count:
        time.sleep(0.01)


def _kill_times(local, endpoint, faults, times: int) -> threading.Thread:
    """Kills the model server ``times`` times in a row, each as soon as the previous kill's
    replacement process exists (before its model has loaded)."""

    def kill():
        _after_requests(faults, KILL_AFTER_REQUESTS)
        for _ in range(times):
            killed = local.kill_model_server(endpoint)
            while _server(local, endpoint).process.pid == killed:
                time.sleep(0.01)

    return threading.Thread(target=kill, daemon=True)


def _report(case: str, seconds: float, result: dict, stats: dict) -> None:
    """One line for the README's reliability table (shown with ``pytest -s``)."""
    figures = {"case": case, "seconds": round(seconds, 1), "rows": result["rows"], **stats}
    print("\nRELIABILITY " + json.dumps(figures))


def _run(local, endpoint, data, fault_free, case, *, faults, kills=0):
    injected = local.set_faults(endpoint, **faults)
    killer = _kill_times(local, endpoint, injected, kills) if kills else None
    model = _model(local, endpoint)
    started = time.perf_counter()
    try:
        if killer:
            killer.start()
        result = summary(model.transform(data))
        seconds = time.perf_counter() - started
        if killer:
            killer.join()
    finally:
        local.clear_faults(endpoint)
    stats = model.transformStats
    _report(case, seconds, result, stats)
    assert result == fault_free  # every id once, each with the fault-free prediction
    assert stats["task_retries"] == 0 and stats["failed_requests"] == 0
    assert stats["partitions"] == 2
    assert stats["attempts"] == stats["requests"] + stats["retries"]
    assert stats["requests"] == ROWS // ROWS_PER_REQUEST
    return stats


@pytest.mark.parametrize(
    "case, faults, causes",
    [
        ("30% throttling, 100 ms", {"throttle_rate": 0.3}, {"throttling"}),
        ("10% 5xx, 100 ms", {"error_rate": 0.1}, {"server_error"}),
        ("30% throttling + 10% 5xx, 100 ms", {"throttle_rate": 0.3, "error_rate": 0.1},
         {"throttling", "server_error"}),
    ],
)  # fmt: skip
def test_throttling_and_server_errors(local, endpoint, data, fault_free, case, faults, causes):
    stats = _run(
        local, endpoint, data, fault_free, case, faults={**faults, "latency_ms": 100, "seed": 7}
    )
    assert {cause for cause, n in stats["retries_by_cause"].items() if n} == causes


@pytest.mark.parametrize("kills", [1, 2])
def test_a_killed_model_server(local, endpoint, data, fault_free, kills):
    case = "model server killed " + ("once" if kills == 1 else "twice in a row")
    stats = _run(local, endpoint, data, fault_free, case, faults={"latency_ms": 20}, kills=kills)
    assert stats["retries_by_cause"]["server_error"] + stats["retries_by_cause"]["connection"] > 0


def test_a_killed_model_server_whose_model_takes_3_s_to_load(
    local, slow_endpoint, data, fault_free
):
    case = "model server killed, 3 s model load"
    stats = _run(local, slow_endpoint, data, fault_free, case, faults={"latency_ms": 20}, kills=1)
    assert stats["retries_by_cause"]["server_error"] > 0


def _descendants(root: int) -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of every process under ``root`` (Linux /proc)."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        table[int(entry.name)] = (int(stat.rsplit(")", 1)[1].split()[1]), command)
    found: dict[int, tuple[int, str]] = {}
    frontier = {root}
    while frontier:
        frontier = {p for p, (parent, _) in table.items() if parent in frontier and p not in found}
        found.update({pid: table[pid] for pid in frontier})
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_a_killed_python_worker(local, endpoint, fault_free, tmp_path):
    """SIGKILL Spark's Python workers mid-transform. Their tasks fail and Spark runs them again
    (this process allows two attempts); a failed attempt's rows never reach the result, so
    every id still comes back once, and transformStats counts the task retries."""
    job = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("worker_kill_job.py")), endpoint,
         str(ROWS_PER_REQUEST)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=(tmp_path / "stderr.log").open("w"),  # Spark's reports of the killed workers
        text=True,
    )  # fmt: skip
    try:
        assert job.stdout.readline().strip() == "READY"
        injected = local.set_faults(endpoint, latency_ms=100)
        started = time.perf_counter()
        job.stdin.write("GO\n")
        job.stdin.flush()
        _after_requests(injected, KILL_AFTER_REQUESTS)
        processes = _descendants(job.pid)
        daemons = {pid for pid, (_, command) in processes.items() if "pyspark.daemon" in command}
        workers = [pid for pid, (parent, _) in processes.items() if parent in daemons]
        assert workers, "no Spark Python worker found"
        for worker in workers:  # those running the two tasks, and any idle one
            os.kill(worker, signal.SIGKILL)
        output, _ = job.communicate(timeout=300)
    finally:
        local.clear_faults(endpoint)
        if job.poll() is None:
            job.kill()
    seconds = time.perf_counter() - started
    assert job.returncode == 0, (tmp_path / "stderr.log").read_text()[-3000:]
    reported = json.loads(output.strip().splitlines()[-1])
    stats = reported["stats"]
    _report("Spark Python workers killed (tasks retried)", seconds, reported["summary"], stats)
    assert reported["summary"] == fault_free
    assert 1 <= stats["task_retries"] <= 2  # one per task that was running
    assert stats["failed_requests"] == 0
