"""The notebook order and multi-process clusters, each with its own driver process (one
SparkContext per process): a SparkSession made before the local backend in an environment
with no AWS settings, on ``local[2]``, ``local-cluster[2,1,1024]`` and a standalone master
with two workers started with ``spark-class``. Executors reach the backend only through the
client spec smspark carries; no secret reaches a log or the saved pipeline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from smspark_local.service.backend import LOCAL_CREDENTIALS
from spark_processes import JvmProcess, free_port, without_aws

pytestmark = pytest.mark.cluster

SCENARIO = Path(__file__).with_name("notebook_scenario.py")
SECRET = LOCAL_CREDENTIALS[1]


def run_driver(master: str, workdir: Path) -> tuple[dict, str]:
    done = subprocess.run(
        [sys.executable, str(SCENARIO), master, str(workdir)],
        env={**without_aws(), "SMSPARK_DISABLE_PLUGIN_AUTOLOAD": "1"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert done.returncode == 0 and lines, output[-6000:]
    return json.loads(lines[-1][len("RESULT ") :]), output


def check(result: dict, output: str, workdir: Path, *logs: Path) -> None:
    assert result["datasource_s3"] and result["datasource_local"]
    assert result["staged_rows"] == 2000.0
    assert result["transform_ids"] and result["transform_predictions"]
    assert result["transform_stats"] and result["loaded_transform"]
    saved = "".join(
        p.read_text(errors="replace") for p in (workdir / "saved").rglob("*") if p.is_file()
    )
    assert '"region"' in saved and "endpoint_urls" not in saved and "127.0.0.1" not in saved
    for text in (saved, output, *(p.read_text(errors="replace") for p in logs)):
        assert SECRET not in text


@pytest.fixture
def standalone(tmp_path):
    """A standalone master and two one-core workers on 127.0.0.1, with no AWS settings."""
    port = free_port()
    env = without_aws()
    processes = []
    try:
        master = JvmProcess(
            "spark-class",
            [
                "org.apache.spark.deploy.master.Master",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--webui-port",
                str(free_port()),
            ],
            tmp_path / "master.log",
            env,
        )
        processes.append(master)
        master.wait_for_port(port)
        for index in range(2):
            worker = JvmProcess(
                "spark-class",
                [
                    "org.apache.spark.deploy.worker.Worker",
                    "--host",
                    "127.0.0.1",
                    "--cores",
                    "1",
                    "--memory",
                    "1g",
                    "--webui-port",
                    str(free_port()),
                    "--work-dir",
                    str(tmp_path / f"work{index}"),
                    f"spark://127.0.0.1:{port}",
                ],
                tmp_path / f"worker{index}.log",
                env,
            )
            processes.append(worker)
        for worker in processes[1:]:
            worker.wait_for_text("Successfully registered with master")
        yield f"spark://127.0.0.1:{port}", processes
    finally:
        for process in reversed(processes):
            process.stop()


def test_notebook_order_on_local(tmp_path):
    result, output = run_driver("local[2]", tmp_path)
    check(result, output, tmp_path)


def test_local_cluster(tmp_path):
    result, output = run_driver("local-cluster[2,1,1024]", tmp_path)
    check(result, output, tmp_path)


def test_standalone_cluster_with_two_workers(tmp_path, standalone):
    master, processes = standalone
    result, output = run_driver(master, tmp_path)
    assert result["executors"] == 2
    executor_logs = [p for p in tmp_path.glob("work*/app-*/*/std*")]
    assert len({p.parent for p in executor_logs}) == 2  # one executor on each worker
    check(result, output, tmp_path, *(p.log for p in processes), *executor_logs)
