"""transform() throughput against a stub endpoint on the local backend.

The endpoint does no model work: it answers each RecordIO-protobuf record with a fixed
k-means-shaped prediction, so the figures measure smspark (serialize, cut, invoke, decode,
append) and the backend, not a model. Latency is injected per request (0, 20, 100 ms).

For each data set (dense rows generated on the JVM and cached) and partition count, it times
``model.transform(df)`` written to Spark's noop sink, with smspark's defaults and with
``maxConcurrency=1`` (one blocking request per partition at a time, as the original did), and
reports rows/s, requests, bytes per request and requests in flight (the most one partition
had outstanding at once, as measured by the invoker). The original's figures on this machine
type (P=2, 5 MiB bodies) are printed beside them for scale.

Two floors are timed on the same data: Spark's own ``mapInArrow`` round trip of the rows with
a Python function that returns each batch untouched, once with the vector column as Spark
hands it over (``udt``) and once in smspark's layout (``fast``, see
``smspark_core.transformation.arrow_transport``). No transform through Python workers can
beat the ``fast`` floor; the gap between the two is what that layout saves.

    .venv/bin/python bench/transform.py           # every case (several minutes)
    .venv/bin/python bench/transform.py --quick   # 20,000 x 784 and 200,000 x 10, P=2
    .venv/bin/python bench/transform.py --quick --arrow-batch-rows 2500   # Spark's batch size
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
from pyspark.ml.functions import array_to_vector
from pyspark.ml.linalg import DenseVector
from pyspark.sql import Row, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import DoubleType, StructField, StructType
from smspark_local import LocalSageMaker
from smspark_local.stub_images import KMEANS_STUB_IMAGE

from smspark_core import EndpointCreationPolicy, SageMakerModel
from smspark_core.transformation.arrow_transport import for_map_in_arrow, standard_layout
from smspark_core.transformation.deserializers import ProtobufResponseRowDeserializer
from smspark_core.transformation.serializers import ProtobufRequestRowSerializer

IMAGE = "local/kmeans-stub:1"
ORIGINAL_SECONDS = {  # sagemaker_pyspark at P=2 against a stub endpoint, this machine type
    ("20000x784", 0): 0.40,
    ("20000x784", 20): 0.51,
    ("20000x784", 100): 1.08,
    ("200000x10", 0): 0.32,
    ("200000x10", 20): 0.36,
    ("200000x10", 100): 0.51,
}
KMEANS = StructType(
    [StructField("distance_to_cluster", DoubleType()), StructField("closest_cluster", DoubleType())]
)


def dense_frame(spark, rows: int, dim: int, partitions: int):
    features = array_to_vector(F.array(*[F.rand(seed=i) for i in range(dim)]))
    return spark.range(rows, numPartitions=partitions).select(features.alias("features")).cache()


def untouched(names):
    def function(batches):
        yield from (standard_layout(batch, names) for batch in batches)

    return function


def run(transform, df, reps: int) -> float:
    def action():
        transform(df).write.format("noop").mode("overwrite").save()

    action()  # warm-up: Python workers, connections
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


# Spark's Python workers must run this interpreter (the one with smspark installed).
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument(
        "--arrow-batch-rows",
        type=int,
        default=None,
        help="spark.sql.execution.arrow.maxRecordsPerBatch (Spark's default: 10000)",
    )
    args = parser.parse_args()
    datasets = (
        [(20_000, 784), (200_000, 10)]
        if args.quick
        else [(20_000, 784), (200_000, 784), (200_000, 10)]
    )
    partition_counts = [2] if args.quick else [2, 8]
    results = []
    with LocalSageMaker(images={IMAGE: KMEANS_STUB_IMAGE}) as backend:
        spark = (
            SparkSession.builder.master("local[2]")
            .appName("smspark-bench-transform")
            .config("spark.driver.memory", "8g")
            .config("spark.ui.showConsoleProgress", "false")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        if args.arrow_batch_rows:
            spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", args.arrow_batch_rows)
        model = SageMakerModel(
            "ml.m5.large",
            1,
            ProtobufRequestRowSerializer(),
            ProtobufResponseRowDeserializer(KMEANS, ["distance_to_cluster", "closest_cluster"]),
            modelImage=IMAGE,
            endpointCreationPolicy=EndpointCreationPolicy.CREATE_ON_CONSTRUCT,
            clientSpec=backend.client_spec,
            endpointPollSeconds=0.1,
        )
        for rows, dim in datasets:
            record_bytes = len(
                ProtobufRequestRowSerializer().serialize_row(
                    Row(features=DenseVector(np.zeros(dim)))
                )
            )
            for partitions in partition_counts:
                df = dense_frame(spark, rows, dim, partitions)
                df.count()
                floors = {
                    "udt": lambda d: d.mapInArrow(untouched(d.columns), d.schema),
                    "fast": lambda d: for_map_in_arrow(d).mapInArrow(
                        untouched(d.columns), d.schema
                    ),
                }
                for label, transform in floors.items():
                    seconds = run(transform, df, args.reps)
                    results.append(
                        {
                            "data": f"{rows}x{dim}",
                            "partitions": partitions,
                            "latency_ms": None,
                            "mode": f"floor-{label}",
                            "seconds": round(seconds, 3),
                            "rows_per_s": round(rows / seconds),
                        }
                    )
                    print(json.dumps(results[-1]), file=sys.stderr, flush=True)
                for latency in (0, 20, 100):
                    backend.set_faults(model.endpointName, latency_ms=latency)
                    for label, concurrency in (
                        ("default", model.getMaxConcurrency()),
                        ("serial", 1),
                    ):
                        variant = model.copy()
                        variant.setMaxConcurrency(concurrency)
                        seconds = run(variant.transform, df, args.reps)
                        requests = variant.transformStats["requests"]  # the last action
                        results.append(
                            {
                                "data": f"{rows}x{dim}",
                                "partitions": partitions,
                                "latency_ms": latency,
                                "mode": label,
                                "seconds": round(seconds, 3),
                                "rows_per_s": round(rows / seconds),
                                "requests": requests,
                                "bytes_per_request": round(rows * record_bytes / max(requests, 1)),
                                "peak_in_flight": variant.transformStats["peak_in_flight"],
                                "original_s": ORIGINAL_SECONDS.get((f"{rows}x{dim}", latency))
                                if partitions == 2
                                else None,
                            }
                        )
                        print(json.dumps(results[-1]), file=sys.stderr, flush=True)
                df.unpersist()
        spark.stop()
    print(
        f"\n{'data':<11}{'P':>3}{'lat ms':>7} {'mode':<11}{'s':>8}{'rows/s':>10}{'req':>6}"
        f"{'B/req':>10}{'flight':>7}{'orig s':>8}"
    )
    for r in results:
        if r["latency_ms"] is None:  # a floor: Spark's round trip, no requests
            print(
                f"{r['data']:<11}{r['partitions']:>3}{'-':>7} {r['mode']:<11}"
                f"{r['seconds']:>8.3f}{r['rows_per_s']:>10,}"
            )
            continue
        original = f"{r['original_s']:.2f}" if r["original_s"] else "-"
        print(
            f"{r['data']:<11}{r['partitions']:>3}{r['latency_ms']:>7} {r['mode']:<11}"
            f"{r['seconds']:>8.3f}{r['rows_per_s']:>10,}{r['requests']:>6}"
            f"{r['bytes_per_request']:>10,}{r['peak_in_flight']:>7}{original:>8}"
        )
    summary = {"bench": "transform", "reps": args.reps, "arrow_batch_rows": args.arrow_batch_rows}
    print(json.dumps({**summary, "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
