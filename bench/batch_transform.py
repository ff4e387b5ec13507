"""Batch Transform against endpoint transform, the same rows through the same stub model on
the local backend.

The model does no work: it answers every RecordIO-protobuf record with a fixed k-means-shaped
prediction (``KMEANS_STUB_IMAGE``), so the figures measure smspark and the backend. Each data
set (dense rows generated on the JVM and cached, P partitions) goes

* through ``SageMakerModel.transform`` on an endpoint created beforehand (smspark's default
  settings: 5 MiB requests, 4 in flight per partition), written to Spark's noop sink: the
  baseline;
* through ``SageMakerBatchTransformer.transform`` (one instance, MaxPayloadInMB 6,
  MaxConcurrentTransforms 4, MultiRecord), then written to the noop sink. Its wall time is
  split into the stage's own timings: staging (executors serialize each partition, write it
  and its row fingerprints as one object each), the job (create, run, watch), read-back
  (executors read ``.out``, check each row's fingerprint, attach, materialize) and cleanup
  (staged objects and the model deleted), each measured where it happens; plus ``sink``,
  the separately timed write of the materialized result to the noop sink.

Both keep the input columns. Endpoint creation is not in the endpoint's figure (it is paid
once per endpoint, the job pays its model servers' start-up every time); the job's figure
includes its ~1 s of polling granularity (pollSeconds 0.5).

    .venv/bin/python bench/batch_transform.py          # 20,000 x 784 and 200,000 x 10
    .venv/bin/python bench/batch_transform.py --full   # 200,000 x 784 and 2,000,000 x 10
    .venv/bin/python bench/batch_transform.py --data 2000000x10   # one size
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid

from pyspark.ml.functions import array_to_vector
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import DoubleType, StructField, StructType
from smspark_local import LocalSageMaker
from smspark_local.stub_images import KMEANS_STUB_IMAGE

from smspark_core import (
    EndpointCreationPolicy,
    SageMakerBatchTransformer,
    SageMakerModel,
    SageMakerResourceCleanup,
)
from smspark_core.transformation.deserializers import ProtobufResponseRowDeserializer
from smspark_core.transformation.serializers import ProtobufRequestRowSerializer

IMAGE = "local/kmeans-stub:1"
KMEANS = StructType(
    [StructField("distance_to_cluster", DoubleType()), StructField("closest_cluster", DoubleType())]
)

# Spark's Python workers must run this interpreter (the one with smspark installed).
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)


def dense_frame(spark, rows: int, dim: int, partitions: int):
    features = array_to_vector(F.array(*[F.rand(seed=i) for i in range(dim)]))
    return spark.range(rows, numPartitions=partitions).select("id", features.alias("features"))


def codecs():
    return (
        ProtobufRequestRowSerializer(),
        ProtobufResponseRowDeserializer(KMEANS, ["distance_to_cluster", "closest_cluster"]),
    )


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--full", action="store_true", help="the issue's sizes")
    parser.add_argument("--partitions", type=int, default=2)
    parser.add_argument(
        "--data", action="append", metavar="ROWSxDIM", help="a size of its own (repeatable)"
    )
    args = parser.parse_args()
    if args.data:
        datasets = [tuple(int(n) for n in size.split("x")) for size in args.data]
    elif args.full:
        datasets = [(200_000, 784), (2_000_000, 10)]
    else:
        datasets = [(20_000, 784), (200_000, 10)]
    results = []
    with LocalSageMaker(images={IMAGE: KMEANS_STUB_IMAGE}) as backend:
        spark = (
            SparkSession.builder.master("local[2]")
            .appName("smspark-bench-batch-transform")
            .config("spark.driver.memory", "8g")
            .config("spark.ui.showConsoleProgress", "false")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        bucket = f"bench-{uuid.uuid4().hex[:8]}"
        backend.client("s3").create_bucket(Bucket=bucket)
        model = SageMakerModel(
            "ml.m5.large",
            1,
            *codecs(),
            modelImage=IMAGE,
            endpointCreationPolicy=EndpointCreationPolicy.CREATE_ON_CONSTRUCT,
            clientSpec=backend.client_spec,
            endpointPollSeconds=0.1,
        )
        stage = SageMakerBatchTransformer(
            *codecs(),
            modelImage=IMAGE,
            instanceType="ml.m5.large",
            maxConcurrentTransforms=4,
            stagingS3Uri=f"s3://{bucket}/staging",
            pollSeconds=0.5,
            clientSpec=backend.client_spec,
        )
        try:
            for rows, dim in datasets:
                df = dense_frame(spark, rows, dim, args.partitions).cache()
                df.count()
                model.transform(df.limit(10)).collect()  # warm-up: Python workers
                endpoint_s = timed(
                    lambda d=df: model.transform(d).write.format("noop").mode("overwrite").save()
                )
                started = time.perf_counter()
                scored = stage.transform(df)  # eager: the job has run, the result is cached
                transform_s = time.perf_counter() - started
                sink_s = timed(lambda s=scored: s.write.format("noop").mode("overwrite").save())
                batch_s = transform_s + sink_s
                phases = {k: round(v, 2) for k, v in stage.timings.items()}
                results.append(
                    {
                        "data": f"{rows}x{dim}",
                        "partitions": args.partitions,
                        "endpoint_s": round(endpoint_s, 2),
                        "endpoint_rows_per_s": round(rows / endpoint_s),
                        "batch_s": round(batch_s, 2),
                        "batch_rows_per_s": round(rows / batch_s),
                        **{f"batch_{k}_s": v for k, v in phases.items()},
                        "batch_sink_s": round(sink_s, 2),
                    }
                )
                print(json.dumps(results[-1]), file=sys.stderr, flush=True)
                df.unpersist()
        finally:
            SageMakerResourceCleanup(model.sagemakerClient).delete_resources(
                model.getCreatedResources()
            )
            spark.stop()
    print(
        f"\n{'data':<13}{'P':>3}{'endpoint s':>11}{'rows/s':>10}{'batch s':>9}{'rows/s':>10}"
        f"{'staging':>9}{'job':>7}{'read-back':>10}{'cleanup':>9}{'sink':>7}"
    )
    for r in results:
        print(
            f"{r['data']:<13}{r['partitions']:>3}{r['endpoint_s']:>11.2f}"
            f"{r['endpoint_rows_per_s']:>10,}{r['batch_s']:>9.2f}{r['batch_rows_per_s']:>10,}"
            f"{r['batch_staging_s']:>9.2f}{r['batch_job_s']:>7.2f}{r['batch_read_back_s']:>10.2f}"
            f"{r['batch_cleanup_s']:>9.2f}{r['batch_sink_s']:>7.2f}"
        )
    print(json.dumps({"bench": "batch_transform", "full": args.full, "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
