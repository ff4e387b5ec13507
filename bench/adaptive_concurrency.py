"""maxConcurrency="auto" against fixed limits, on local endpoints whose capacity is bounded.

Each endpoint of the local backend (the k-means stub image) has 1, 2 or 4 instances under
the capacity model (``set_faults(instance_capacity=C, latency_ms=S)``: each instance serves C
requests at once for S ms each and queues the rest, so latency grows past the endpoint's
capacity of instances x C). A last case adds 10% injected throttling to the 4-instance
endpoint. For each, ``transform()`` of the same cached rows (P partitions, requests cut at
``--rows-per-request`` rows so that each partition makes many of them) is timed with
``maxConcurrency`` = 1, 4, 8 and "auto", interleaved, and the table shows the median time,
rows/s, and where "auto"'s limit settled (``transformStats["concurrency"]``: the mean final
limit over partitions, its peak and low, throttling cuts) beside the most requests a
partition had in flight.

    .venv/bin/python bench/adaptive_concurrency.py            # ~10 minutes on 2 cores
    .venv/bin/python bench/adaptive_concurrency.py --reps 1   # a first look
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

from pyspark.ml.functions import array_to_vector
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import DoubleType, StructField, StructType
from smspark_local import LocalSageMaker
from smspark_local.stub_images import KMEANS_STUB_IMAGE

from smspark_core import EndpointCreationPolicy, SageMakerModel
from smspark_core.transformation.deserializers import ProtobufResponseRowDeserializer
from smspark_core.transformation.serializers import ProtobufRequestRowSerializer

IMAGE = "local/kmeans-stub:1"
KMEANS = StructType(
    [StructField("distance_to_cluster", DoubleType()), StructField("closest_cluster", DoubleType())]
)
MODES = ("1", "4", "8", "auto")

os.environ.setdefault("PYSPARK_PYTHON", sys.executable)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=10)
    parser.add_argument("--partitions", type=int, default=2)
    parser.add_argument("--rows-per-request", type=int, default=1000)
    parser.add_argument("--capacity", type=int, default=1, help="requests per instance")
    parser.add_argument("--service-ms", type=float, default=50.0)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    results = []
    with LocalSageMaker(images={IMAGE: KMEANS_STUB_IMAGE}) as backend:
        spark = (
            SparkSession.builder.master(f"local[{args.partitions}]")
            .appName("smspark-bench-adaptive")
            .config("spark.driver.memory", "4g")
            .config("spark.ui.showConsoleProgress", "false")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        features = array_to_vector(F.array(*[F.rand(seed=i) for i in range(args.dim)]))
        df = (
            spark.range(args.rows, numPartitions=args.partitions)
            .select(features.alias("features"))
            .cache()
        )
        df.count()
        endpoints = {}
        for instances in (1, 2, 4):
            endpoints[instances] = SageMakerModel(
                "ml.m5.large",
                instances,
                ProtobufRequestRowSerializer(),
                ProtobufResponseRowDeserializer(KMEANS, ["distance_to_cluster", "closest_cluster"]),
                modelImage=IMAGE,
                endpointCreationPolicy=EndpointCreationPolicy.CREATE_ON_CONSTRUCT,
                clientSpec=backend.client_spec,
                endpointPollSeconds=0.1,
                maxRowsPerRequest=args.rows_per_request,
            )
        cases = [(n, 0.0) for n in (1, 2, 4)] + [(4, 0.1)]
        for instances, throttle in cases:
            base = endpoints[instances]
            backend.set_faults(
                base.endpointName,
                instance_capacity=args.capacity,
                latency_ms=args.service_ms,
                throttle_rate=throttle,
                seed=1,
            )
            variants = {
                mode: base.copy().setMaxConcurrency(mode if mode == "auto" else int(mode))
                for mode in MODES
            }
            times: dict[str, list[float]] = {mode: [] for mode in MODES}
            stats: dict[str, dict] = {}
            for variant in variants.values():  # warm-up: Python workers, connections
                variant.transform(df).write.format("noop").mode("overwrite").save()
            for _ in range(args.reps):
                for mode, variant in variants.items():
                    started = time.perf_counter()
                    variant.transform(df).write.format("noop").mode("overwrite").save()
                    times[mode].append(time.perf_counter() - started)
                    stats[mode] = variant.transformStats
            for mode in MODES:
                seconds = statistics.median(times[mode])
                results.append(
                    {
                        "instances": instances,
                        "capacity": instances * args.capacity,
                        "throttle_rate": throttle,
                        "mode": mode,
                        "seconds": round(seconds, 3),
                        "rows_per_s": round(args.rows / seconds),
                        "requests": stats[mode]["requests"],
                        "retries": stats[mode]["retries"],
                        "peak_in_flight": stats[mode]["peak_in_flight"],
                        "concurrency": stats[mode]["concurrency"],
                    }
                )
                print(json.dumps(results[-1]), file=sys.stderr, flush=True)
            backend.clear_faults(base.endpointName)
        spark.stop()
    print(
        f"\nP={args.partitions}, {args.rows:,} x {args.dim}, {args.rows_per_request} rows a "
        f"request, each instance serving {args.capacity} at a time for {args.service_ms:g} ms"
    )
    print(
        f"{'instances':>9}{'throttle':>9} {'mode':<6}{'s':>8}{'rows/s':>10}{'retries':>8}"
        f"{'flight':>7}  limit final / peak / low, cuts"
    )
    for r in results:
        c = r["concurrency"]
        print(
            f"{r['instances']:>9}{r['throttle_rate']:>9.0%} {r['mode']:<6}{r['seconds']:>8.3f}"
            f"{r['rows_per_s']:>10,}{r['retries']:>8}{r['peak_in_flight']:>7}  "
            f"{c['final']:.1f} / {c['peak']} / {c['low']}, {c['throttle_cuts']}"
        )
    print(json.dumps({"bench": "adaptive_concurrency", **vars(args), "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
