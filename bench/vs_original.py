"""smspark's transform against the stub endpoint of ``../shared/original_bench`` (the
stdlib ``stub_endpoint.py``), measured as that folder's ``transform_bench.py`` measures the
original, so that both can run against one stub in one session (``bench/vs_original.sh``
interleaves them and prints the side-by-side table).

Same DataFrame (built on the JVM, cached), same noop sink, same latencies, same stub checks
(records in = out = N, no errors, no other requests). In one Spark session and interleaved
within each repetition, it times each ``--modes`` entry:

* ``floor``: Spark's own ``mapInArrow`` round trip of the same rows in smspark's layout with
  a Python function that returns each batch untouched (no codecs, no requests): the issue's
  0 ms target is relative to it;
* a number or ``auto``: ``SageMakerModel.transform`` with that ``maxConcurrency``.

``--memory`` also reports the peak resident memory of the Spark Python workers (sampled
from /proc every 10 ms while each run lasts; the daemon they fork from is left out).

    .venv/bin/python bench/vs_original.py --stub-url URL --json out.json
    .venv/bin/python bench/vs_original.py --table DIR   # medians of DIR's runs, side by side
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
import urllib.request
from pathlib import Path


def stub(url: str, path: str, body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url + path, data=data, method="GET" if body is None else "POST"
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read().decode())


class WorkerMemory:
    """Peak RSS (bytes) of Spark's Python worker processes while it runs: the children of
    ``pyspark.daemon``, read from /proc."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> WorkerMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max([self.peak, *_worker_rss()])


def _worker_rss() -> list[int]:
    processes = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"pyspark.daemon" not in command:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        rss = int(fields.get("VmRSS", "0 kB").split()[0]) * 1024
        processes[entry.name] = (fields["PPid"].strip(), rss)
    daemons = {pid for pid, (parent, _) in processes.items() if parent not in processes}
    return [rss for pid, (parent, rss) in processes.items() if pid not in daemons]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stub-url")
    parser.add_argument("--table", help="print the side-by-side table of a run directory")
    parser.add_argument("--cases", default="20000x784,200000x10")
    parser.add_argument("--partitions", default="2")
    parser.add_argument("--latencies", default="0,20,100")
    parser.add_argument("--modes", default="floor,4,auto,1")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--memory", action="store_true")
    parser.add_argument("--endpoint", default="bench-endpoint")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    if args.table:
        print(table(Path(args.table)))
        return 0
    if not args.stub_url:
        parser.error("--stub-url is needed")
    url = args.stub_url.rstrip("/")
    os.environ.update(
        AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME=url,
        AWS_ENDPOINT_URL_SAGEMAKER=url,
        AWS_REGION="us-east-1",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="x",
        AWS_SECRET_ACCESS_KEY="x",
    )
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.ml.functions import array_to_vector
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F
    from smspark_kmeans import KMeansProtobufResponseRowDeserializer

    from smspark_core import EndpointCreationPolicy, SageMakerModel
    from smspark_core.transformation.arrow_transport import for_map_in_arrow, standard_layout
    from smspark_core.transformation.serializers import ProtobufRequestRowSerializer

    spark = (
        SparkSession.builder.master(args.master)
        .config("spark.driver.memory", "4g")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")

    def model(concurrency: str) -> SageMakerModel:
        return SageMakerModel(
            endpointInstanceType=None,
            endpointInitialInstanceCount=None,
            requestRowSerializer=ProtobufRequestRowSerializer(),
            responseRowDeserializer=KMeansProtobufResponseRowDeserializer(),
            existingEndpointName=args.endpoint,
            endpointCreationPolicy=EndpointCreationPolicy.DO_NOT_CREATE,
            maxConcurrency=concurrency if concurrency == "auto" else int(concurrency),
        )

    def untouched(names):
        def function(batches):
            yield from (standard_layout(batch, names) for batch in batches)

        return function

    modes = args.modes.split(",")
    models = {mode: model(mode) for mode in modes if mode != "floor"}
    results = []
    for case in args.cases.split(","):
        n, d = (int(x) for x in case.split("x"))
        for p in (int(x) for x in args.partitions.split(",")):
            df = (
                spark.range(0, n, 1, p)
                .select(
                    array_to_vector(
                        F.expr(
                            f"transform(sequence(0, {d - 1}), i -> "
                            "pmod(hash(42, id, i), 1000003) / 1000003D)"
                        )
                    ).alias("features")
                )
                .cache()
            )
            df.count()
            stub(url, "/config", {"latency_ms": 0, "fail_rate": 0})
            runs = {
                mode: (
                    (lambda d: for_map_in_arrow(d).mapInArrow(untouched(d.columns), d.schema))
                    if mode == "floor"
                    else models[mode].transform
                )
                for mode in modes
            }
            first = models[modes[-1]].transform(df).limit(3).collect() if models else None
            assert first is None or first[0]["closest_cluster"] == 0.0, first
            for _ in range(args.warmup):
                for run in runs.values():
                    run(df).write.format("noop").mode("overwrite").save()
            latencies = [int(x) for x in args.latencies.split(",")]
            times: dict[tuple[str, int], list[float]] = {}
            memory: dict[tuple[str, int], list[int]] = {}
            last: dict[tuple[str, int], dict] = {}
            for _ in range(args.reps):
                for lat in latencies:
                    for mode, run in runs.items():
                        if mode == "floor" and lat != latencies[0]:
                            continue  # no requests: the latency changes nothing
                        stub(url, "/config", {"latency_ms": lat})
                        stub(url, "/stats?reset=1")
                        sampler = WorkerMemory() if args.memory else None
                        if sampler:
                            sampler.__enter__()
                        started = time.perf_counter()
                        run(df).write.format("noop").mode("overwrite").save()
                        times.setdefault((mode, lat), []).append(time.perf_counter() - started)
                        if sampler:
                            sampler.__exit__()
                            memory.setdefault((mode, lat), []).append(sampler.peak)
                        s = stub(url, "/stats")
                        ok = mode == "floor" or (
                            s["records_in"] == n
                            and s["records_out"] == n
                            and s.get("model_errors", 0) == 0
                            and s.get("other_requests", 0) == 0
                        )
                        if not ok:
                            print("STUB CHECK FAILED", case, p, lat, mode, s, file=sys.stderr)
                            return 1
                        if mode != "floor":
                            last[(mode, lat)] = {
                                **s,
                                "transformStats": models[mode].transformStats,
                            }
            for (mode, lat), ts in times.items():
                median = statistics.median(ts)
                row = {
                    "impl": "smspark",
                    "mode": mode,
                    "case": case,
                    "P": p,
                    "latency_ms": lat if mode != "floor" else None,
                    "median_s": round(median, 3),
                    "runs": [round(t, 3) for t in ts],
                    "rows_per_s": round(n / median),
                }
                if (mode, lat) in memory:
                    row["peak_worker_rss_mb"] = round(max(memory[(mode, lat)]) / 2**20, 1)
                if (mode, lat) in last:
                    s = last[(mode, lat)]
                    row.update(
                        requests=s["invocations"],
                        stub_max_concurrency=s["max_concurrency"],
                        bytes_per_request=s["bytes_in"] // max(1, s["invocations"]),
                        concurrency=s["transformStats"].get("concurrency"),
                    )
                results.append(row)
                print(json.dumps(row), flush=True)
            df.unpersist()
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    spark.stop()
    return 0


def table(directory: Path) -> str:
    """The side-by-side table of ``vs_original.sh``'s runs in ``directory``: medians over
    rounds of the original's (``anchor_*.json``) and smspark's (``smspark_*.json``) times."""
    times: dict[tuple[str, int, int | None, str], list[float]] = {}
    for path in sorted(directory.glob("*.json")):
        data = json.loads(path.read_text())
        for r in data["cases"] if isinstance(data, dict) else data:
            kind = "original" if path.name.startswith("anchor") else r["mode"]
            case = r.get("case") or f"{r['rows']}x{r['dim']}"
            p = r.get("P", r.get("partitions"))
            latency = None if kind == "floor" else int(r["latency_ms"])
            times.setdefault((case, p, latency, kind), []).append(r["median_s"])

    def median(case: str, p: int, latency: int | None, kind: str) -> float:
        found = times.get((case, p, latency, kind))
        return statistics.median(found) if found else float("nan")

    kinds = sorted({k[3] for k in times} - {"original", "floor"}, key=lambda k: (k != "auto", k))
    lines = [
        "| case | P | latency ms | original s | floor s | "
        + " | ".join(f"smspark {k} s" for k in kinds)
        + " | "
        + " | ".join(f"{k} / original" for k in kinds)
        + " | auto / floor |",
        "|---" * (6 + 2 * len(kinds)) + "|",
    ]
    for case, p, latency in sorted({k[:3] for k in times if k[2] is not None}):
        original = median(case, p, latency, "original")
        floor = median(case, p, None, "floor")
        ours = [median(case, p, latency, k) for k in kinds]
        auto = median(case, p, latency, "auto")
        lines.append(
            f"| {case} | {p} | {latency} | {original:.2f} | {floor:.2f} | "
            + " | ".join(f"{t:.2f}" for t in ours)
            + " | "
            + " | ".join(f"{t / original:.2f}" for t in ours)
            + f" | {auto / floor:.2f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
