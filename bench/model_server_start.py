"""How long a local model server takes from being spawned to answering its first ``/ping``.

The local backend starts one child process per endpoint instance (``smspark_local``'s
``images.spawn``, with the SageMaker container contract's environment); the endpoint is
InService when each answers ``/ping``. What a model server imports before it can answer is
the cost measured here, for the k-means image (numpy, scipy, pandas through the toolkit; no
pyspark, no boto3) and the smallest stub image. Baselines in the same run: a bare
interpreter (``python -c pass``), and the same interpreter importing what the server would
pay if the core were imported eagerly (``pyspark.sql``, ``boto3``, ``pandas``).

    .venv/bin/python bench/model_server_start.py [--reps 5]

Prints a table (medians, seconds) and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
from smspark_kmeans.container import MODEL_FILE
from smspark_local.service import images
from smspark_local.service.hosting import free_port
from smspark_local.stub_images import ECHO_IMAGE

from smspark_core.codecs import mxnet_ndarray
from smspark_core.plugins import get_plugin_host


def _first_ping(spec, root: Path) -> float:
    port = free_port()
    started = time.perf_counter()
    process = images.spawn(spec, "serve", root, {"SAGEMAKER_BIND_TO_PORT": str(port)})
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=1) as answer:
                    if answer.status == 200:
                        return time.perf_counter() - started
            except OSError:
                if process.poll() is not None:
                    raise SystemExit(f"the model server exited: {process.stdout.read()}") from None
                time.sleep(0.005)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _interpreter(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    kmeans = get_plugin_host().local_images.get("kmeans")
    with tempfile.TemporaryDirectory() as tmp:
        kmeans_root, stub_root = Path(tmp, "kmeans"), Path(tmp, "stub")
        (kmeans_root / "model").mkdir(parents=True)
        (stub_root / "model").mkdir(parents=True)
        centers = np.arange(30, dtype=np.float32).reshape(10, 3)
        (kmeans_root / "model" / MODEL_FILE).write_bytes(mxnet_ndarray.dumps([centers]))
        cases = {
            "python -c pass": lambda: _interpreter("pass"),
            "python importing pyspark.sql, boto3, pandas": lambda: _interpreter(
                "import pyspark.sql, boto3, pandas"
            ),
            "k-means model server, spawn to first /ping": lambda: _first_ping(kmeans, kmeans_root),
            "stub model server, spawn to first /ping": lambda: _first_ping(ECHO_IMAGE, stub_root),
        }
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.reps):  # interleaved, so that load affects every case alike
            for name, run in cases.items():
                times[name].append(run())
    medians = {name: statistics.median(values) for name, values in times.items()}
    width = max(map(len, medians))
    for name, seconds in medians.items():
        spread = f"{min(times[name]):.2f}-{max(times[name]):.2f}"
        print(f"{name:<{width}}  {seconds:.2f} s  ({spread})")
    print(json.dumps({"median_seconds": medians, "reps": args.reps}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
