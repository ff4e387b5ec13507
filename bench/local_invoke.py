"""InvokeEndpoint through the local backend vs. calling the model server directly.

An echo model (answers the request body) runs as one model-server process. Each of 1 and 8
client processes (separate, as Spark executors are) sends --requests small requests over a
kept-alive connection:
  direct   http.client POST /invocations to the model server itself
  backend  the same through the backend's runtime (POST /endpoints/<name>/invocations)
  boto3    the same through boto3's sagemaker-runtime client (what smspark uses)
Reports requests/s and p50/p99 latency, and the proxy's added p50 (backend - direct).
Not a test; run it by hand:  .venv/bin/python bench/local_invoke.py [--requests 2000]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import socket
import statistics
import sys
import time
from urllib.parse import urlparse

from smspark_local import LocalSageMaker
from smspark_local.stub_images import ECHO_IMAGE

BODY = b'{"features": [0.5, 1.5, 2.5]}\n'
IMAGE = "local/bench-echo:1"


def _caller(kind: str, target: str, spec):
    """A function making one request: over plain HTTP to ``target`` or through boto3."""
    if kind == "boto3":
        runtime = spec.with_(max_attempts=1).client("sagemaker-runtime")

        def call() -> None:
            runtime.invoke_endpoint(
                EndpointName=target, Body=BODY, ContentType="application/jsonlines"
            )["Body"].read()

        return call
    parsed = urlparse(target)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port)
    connection.connect()
    connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def call() -> None:
        connection.request(
            "POST", parsed.path, body=BODY, headers={"Content-Type": "application/jsonlines"}
        )
        response = connection.getresponse()
        response.read()
        assert response.status == 200, response.status

    return call


def _client_process(kind: str, target: str, spec, count: int, out) -> None:
    call = _caller(kind, target, spec)
    for _ in range(20):  # warm up the connection
        call()
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - started)
    out.put(latencies)


def measure(kind: str, target: str, spec, clients: int, requests: int) -> dict:
    """``clients`` separate processes (as Spark executors would be) of ``requests`` calls each."""
    context = multiprocessing.get_context("fork")
    out = context.Queue()
    workers = [
        context.Process(target=_client_process, args=(kind, target, spec, requests, out))
        for _ in range(clients)
    ]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    latencies = sorted(x for _ in workers for x in out.get())
    elapsed = time.perf_counter() - started
    for worker in workers:
        worker.join()
    return {
        "requests_per_s": round(len(latencies) / elapsed),
        "p50_ms": round(statistics.median(latencies) * 1000, 3),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=2000, help="per client count")
    args = parser.parse_args()
    results = []
    with LocalSageMaker(images={IMAGE: ECHO_IMAGE}) as backend:
        sagemaker = backend.client("sagemaker")
        sagemaker.create_model(ModelName="echo", PrimaryContainer={"Image": IMAGE})
        sagemaker.create_endpoint_config(
            EndpointConfigName="echo",
            ProductionVariants=[
                {
                    "VariantName": "AllRequests",
                    "ModelName": "echo",
                    "InitialInstanceCount": 1,
                    "InstanceType": "ml.m5.large",
                }
            ],
        )
        sagemaker.create_endpoint(EndpointName="echo", EndpointConfigName="echo")
        sagemaker.get_waiter("endpoint_in_service").wait(
            EndpointName="echo", WaiterConfig={"Delay": 0.1, "MaxAttempts": 600}
        )
        port = backend.api.endpoints["echo"].first_variant().instances[0].port
        targets = {
            "direct": f"http://127.0.0.1:{port}/invocations",
            "backend": f"{backend.url}/endpoints/echo/invocations",
            "boto3": "echo",
        }
        for clients in (1, 8):
            row = {"clients": clients}
            for kind, target in targets.items():
                row[kind] = measure(kind, target, backend.client_spec, clients, args.requests)
            row["proxy_added_p50_ms"] = round(row["backend"]["p50_ms"] - row["direct"]["p50_ms"], 3)
            results.append(row)
    print(f"\n{'clients':>7} {'path':<8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}")
    for row in results:
        for path in ("direct", "backend", "boto3"):
            m = row[path]
            figures = f"{m['requests_per_s']:>9}{m['p50_ms']:>9.3f}{m['p99_ms']:>9.3f}"
            print(f"{row['clients']:>7} {path:<8}{figures}")
        print(f"{'':>7} proxy adds {row['proxy_added_p50_ms']:.3f} ms at p50")
    print(
        json.dumps(
            {"bench": "local_invoke", "requests_per_client": args.requests, "results": results}
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
