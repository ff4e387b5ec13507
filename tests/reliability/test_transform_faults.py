"""transform() rides out real outages without Spark task retries (``local[2]`` gives each task
one attempt, as ``spark.task.maxFailures=1``, which ``one_attempt_per_task`` checks):
throttling, 5xx, a model server killed once, twice in a row, or while its model takes 3 s to
load. Every id comes back exactly once with the fault-free prediction, ``transformStats`` says
what it took, and no case leaves a model, endpoint config, endpoint or S3 object behind. A
task that fails fails its job under one attempt per task (no partial result); the faults that
need a Spark task retry (a task failing, its Python worker killed) run in a Spark of their own
that allows one. The figures go to the README's reliability table (``-s`` prints them)."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path

import pytest
from reliability_helpers import IMAGE, ROLE, ROWS, frame, holdings, summary
from smspark_local import LocalSageMaker
from smspark_local.stub_images import ECHO_IMAGE

from smspark_core.aws.resources import SageMakerResourceCleanup
from smspark_core.model import SageMakerModel
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
def local():
    """The backend; when the module is done (its endpoints removed by their fixtures) it must
    hold nothing at all: no model, endpoint config, endpoint or S3 object."""
    with LocalSageMaker(ping_timeout=60) as backend:
        backend.register_image(IMAGE, ECHO_IMAGE)
        yield backend
        deadline = time.monotonic() + 60
        while holdings(backend)["endpoints"] and time.monotonic() < deadline:
            time.sleep(0.2)  # an endpoint being deleted
        assert holdings(backend) == {
            "models": set(),
            "endpoint configs": set(),
            "endpoints": set(),
            "S3 objects": set(),
        }


@pytest.fixture(scope="module")
def one_attempt_per_task(spark):
    """The suite's claim is "without Spark task retries": the session must give each task one
    attempt. ``local[N]`` does (``spark.task.maxFailures`` is not read in local mode;
    ``local[N,M]`` would allow M), and a task failing its first attempt must fail its job."""
    from pyspark import TaskContext

    master = spark.sparkContext.master
    assert re.fullmatch(r"local(\[(\*|\d+)\])?", master), (
        f"the reliability suite needs one attempt per task (local or local[N]), not {master}"
    )

    def fail_first_attempt(rows):
        if TaskContext.get().attemptNumber() == 0:
            raise RuntimeError("a first attempt fails")
        yield from rows

    with pytest.raises(Exception, match="a first attempt fails"):
        spark.sparkContext.parallelize([1], 1).mapPartitions(fail_first_attempt).collect()


@pytest.fixture(scope="module")
def artifact(local):
    s3 = local.client("s3")
    s3.create_bucket(Bucket="reliability")
    s3.put_object(Bucket="reliability", Key="model.tar.gz", Body=_archive())
    yield "s3://reliability/model.tar.gz"
    s3.delete_object(Bucket="reliability", Key="model.tar.gz")
    s3.delete_bucket(Bucket="reliability")


@pytest.fixture(autouse=True)
def nothing_left_behind(local):
    """Each case leaves the backend as it found it: no new model, endpoint config, endpoint
    or S3 object (the module's own endpoints are removed, and checked, at its end)."""
    before = holdings(local)
    yield
    assert holdings(local) == before


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
def fault_free(local, endpoint, data, one_attempt_per_task):
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


def test_a_failed_task_fails_the_transform_as_a_whole(local, endpoint, data, fault_free):
    """With one attempt per task, a task that fails part-way (after requests for its first
    rows went out) fails the transform with the task's own error: no partial result, nothing
    left behind, the endpoint unharmed, and the next transform is the fault-free one."""
    from pyspark.sql import functions as F

    injected = local.set_faults(endpoint, latency_ms=20)
    failing = data.withColumn(
        "id",
        F.when(F.col("id") == ROWS // 4, F.raise_error(F.lit("injected task failure"))).otherwise(
            F.col("id")
        ),
    )
    started = time.perf_counter()
    try:
        with pytest.raises(Exception, match="injected task failure"):
            summary(_model(local, endpoint).transform(failing))
    finally:
        local.clear_faults(endpoint)
    seconds = time.perf_counter() - started
    assert injected.requests > 0  # the task had sent requests before it failed
    # The failed transform's figures: its requests as the endpoint counted them (a failed
    # job delivers no transformStats), and no rows.
    _report("Spark task failed, one attempt per task", seconds, {"rows": 0},
            {"attempts": injected.requests, "task_retries": 0})  # fmt: skip
    result = summary(_model(local, endpoint).transform(data))
    assert result == fault_free


def _run_with_task_retries(local, endpoint, mode, tmp_path, during=None):
    """``task_retry_job.py`` in ``mode`` against ``endpoint`` (100 ms latency): its summary,
    transformStats and time; ``during(job, faults)`` runs once the transform has started."""
    job = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("task_retry_job.py")), mode, endpoint,
         str(ROWS_PER_REQUEST)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=(tmp_path / "stderr.log").open("w"),  # Spark's reports of the failed tasks
        text=True,
    )  # fmt: skip
    try:
        assert job.stdout.readline().strip() == "READY"
        injected = local.set_faults(endpoint, latency_ms=100)
        started = time.perf_counter()
        job.stdin.write("GO\n")
        job.stdin.flush()
        if during:
            during(job, injected)
        output, _ = job.communicate(timeout=300)
    finally:
        local.clear_faults(endpoint)
        if job.poll() is None:
            job.kill()
    seconds = time.perf_counter() - started
    assert job.returncode == 0, (tmp_path / "stderr.log").read_text()[-3000:]
    reported = json.loads(output.strip().splitlines()[-1])
    return reported["summary"], reported["stats"], seconds


def test_a_task_failing_its_first_attempt_where_spark_retries(
    local, endpoint, fault_free, tmp_path
):
    """Each task fails its first attempt half-way through its partition; Spark runs it again
    (``local[2,2]``). The failed attempts' rows never reach the result, so every id still
    comes back once, and transformStats counts the task retries."""
    result, stats, seconds = _run_with_task_retries(local, endpoint, "fail-once", tmp_path)
    _report("Spark task failed once each, `local[2,2]`", seconds, result, stats)
    assert result == fault_free
    assert stats["task_retries"] == 2  # one per task
    assert stats["failed_requests"] == 0


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_a_killed_python_worker(local, endpoint, fault_free, tmp_path):
    """SIGKILL Spark's Python workers mid-transform. Their tasks fail and Spark runs them again
    (this process allows two attempts); a failed attempt's rows never reach the result, so
    every id still comes back once, and transformStats counts the task retries."""

    def kill(job, injected):
        _after_requests(injected, KILL_AFTER_REQUESTS)
        processes = _descendants(job.pid)
        daemons = {pid for pid, (_, command) in processes.items() if "pyspark.daemon" in command}
        workers = [pid for pid, (parent, _) in processes.items() if parent in daemons]
        assert workers, "no Spark Python worker found"
        for worker in workers:  # those running the two tasks, and any idle one
            os.kill(worker, signal.SIGKILL)

    result, stats, seconds = _run_with_task_retries(local, endpoint, "kill", tmp_path, kill)
    _report("Spark Python workers killed (tasks retried)", seconds, result, stats)
    assert result == fault_free
    assert 1 <= stats["task_retries"] <= 2  # one per task that was running
    assert stats["failed_requests"] == 0
