"""JVM processes the Spark Connect and cluster tests start from the pyspark package's own
scripts and jars: free loopback ports, an environment without AWS settings, waiting until a
port answers, and stopping a process with everything it started.

Run as a script (``python tests/spark_processes.py LOG``), it serves a Connect server for
``scripts/dev test-thin-client`` (:func:`serve_connect_until_stdin_closes`)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyspark

SPARK_HOME = Path(pyspark.__file__).parent

LOOPBACK_CONF = {
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.driver.host": "127.0.0.1",
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.python.worker.reuse": "true",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def without_aws(environment: dict[str, str] | None = None) -> dict[str, str]:
    """``environment`` (default: this process's) with no AWS setting at all, no config files
    and no instance metadata: whatever reaches AWS from there was carried by smspark."""
    base = dict(os.environ if environment is None else environment)
    clean = {k: v for k, v in base.items() if not k.startswith("AWS_")}
    clean.update(
        {
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            "PYSPARK_PYTHON": sys.executable,
            "PYSPARK_DRIVER_PYTHON": sys.executable,
            "SPARK_HOME": str(SPARK_HOME),
            "SPARK_LOCAL_IP": "127.0.0.1",
        }
    )
    return clean


def conf_arguments(conf: dict[str, str]) -> list[str]:
    return [item for key, value in conf.items() for item in ("--conf", f"{key}={value}")]


class JvmProcess:
    """A Spark script (``bin/spark-submit``, ``bin/spark-class``) run in its own process
    group with its output in ``log``; ``stop()`` ends the group (the JVM and the Python
    workers it forked)."""

    def __init__(self, script: str, arguments: list[str], log: Path, env: dict[str, str]):
        self.log = log
        self._output = log.open("wb")
        self.process = subprocess.Popen(
            [str(SPARK_HOME / "bin" / script), *arguments],
            stdout=self._output,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )

    def wait_for_port(self, port: int, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.log.name} exited early:\n{self.tail()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
            except OSError:
                time.sleep(0.5)
        raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")

    def wait_for_text(self, text: str, timeout: float = 180.0) -> None:
        """Waits until ``text`` appears in the log (a worker registered, for example)."""
        deadline = time.monotonic() + timeout
        while text not in self.log.read_text(errors="replace"):
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.log.name} exited early:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{text!r} not in {self.log.name} after {timeout:.0f} s")
            time.sleep(0.5)

    def tail(self, characters: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-characters:]

    def stop(self) -> None:
        if self.process.poll() is None:
            for sig, grace in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
                try:
                    os.killpg(self.process.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.process.wait(grace)
                    break
                except subprocess.TimeoutExpired:
                    continue
        # Python workers may outlive the JVM briefly; end whatever is left of the group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self._output.close()


def start_connect_server(log: Path) -> tuple[JvmProcess, str]:
    """A Spark Connect server (``local[2]``) on a free loopback port; returns it and its
    ``sc://`` URL. The pip package has no start script; its jar has the server class."""
    port = free_port()
    conf = {
        **LOOPBACK_CONF,
        "spark.connect.grpc.binding.address": "127.0.0.1",
        "spark.connect.grpc.binding.port": str(port),
    }
    server = JvmProcess(
        "spark-submit",
        [
            "--class",
            "org.apache.spark.sql.connect.service.SparkConnectServer",
            "--master",
            "local[2]",
            *conf_arguments(conf),
        ],
        log,
        without_aws(),
    )
    try:
        server.wait_for_port(port)
    except BaseException:
        server.stop()
        raise
    return server, f"sc://127.0.0.1:{port}"


def serve_connect_until_stdin_closes(log: Path) -> None:
    """``scripts/dev test-thin-client``: a Connect server for a client that has no jars to
    start one. Prints its URL, serves until its standard input closes (the script that
    started it ended, however it ended) or it is sent SIGTERM, then stops the server."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server, url = start_connect_server(log)
    try:
        print(url, flush=True)
        sys.stdin.read()
    finally:
        server.stop()


if __name__ == "__main__":
    serve_connect_until_stdin_closes(Path(sys.argv[1]))
