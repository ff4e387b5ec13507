"""Does keeping the input columns on the JVM make transform() faster? (issue 19, item 4)

``SageMakerModel.transform`` runs ``mapInArrow`` over every column: the input columns go to
Python and come back beside the predictions. The alternative timed here sends only the
column the serializer reads to Python, through a scalar Arrow UDF in its iterator form
(``pyspark.sql.functions.arrow_udf``, Spark 4.1+), which returns a struct of the
predictions (and the ``transformStats`` counters); Spark keeps the input rows on the JVM and
joins each prediction to its row by position, with no shuffle. The partition function is the
same ``PartitionPredictor`` (packing, concurrency, retries), told to keep no input.

Both run against the stub endpoint of ``../shared/original_bench`` (start it as
``bench/vs_original.sh`` does and pass its URL), with ``maxConcurrency=4``, interleaved, on
the DataFrames of the side-by-side bench (one ``features`` column; ``--extra`` adds that many
double columns that the serializer does not read, as a wider table would have).

    .venv/bin/python bench/keep_columns.py --stub-url URL [--extra 20]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Iterator


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stub-url", required=True)
    parser.add_argument("--cases", default="20000x784,200000x10")
    parser.add_argument("--partitions", type=int, default=2)
    parser.add_argument("--latencies", default="0,100")
    parser.add_argument("--extra", type=int, default=0, help="columns the serializer skips")
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
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
    import pyarrow as pa
    from pyspark.ml.functions import array_to_vector
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F
    from pyspark.sql.types import StructType
    from smspark_kmeans import KMeansProtobufResponseRowDeserializer
    from vs_original import stub

    from smspark_core import EndpointCreationPolicy, SageMakerModel
    from smspark_core.executor import transform_stats
    from smspark_core.executor.endpoint_transform import PartitionPredictor
    from smspark_core.transformation.arrow_transport import friendly_vector_sql
    from smspark_core.transformation.serializers import ProtobufRequestRowSerializer

    spark = (
        SparkSession.builder.master(f"local[{args.partitions}]")
        .config("spark.driver.memory", "4g")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    model = SageMakerModel(
        endpointInstanceType=None,
        endpointInitialInstanceCount=None,
        requestRowSerializer=ProtobufRequestRowSerializer(),
        responseRowDeserializer=KMeansProtobufResponseRowDeserializer(),
        existingEndpointName="bench-endpoint",
        endpointCreationPolicy=EndpointCreationPolicy.DO_NOT_CREATE,
        maxConcurrency=4,
    )

    def through_udf(df):
        """The alternative: only ``features`` goes to Python; predictions join back."""
        serializer = model.getRequestRowSerializer()
        serializer.set_schema(df.select("features").schema)
        predictor = PartitionPredictor(
            model._invoke_settings(),
            model.clientSpec,
            serializer,
            model.getResponseRowDeserializer(),
            False,
            ("features",),
        )
        fields = [*model.getResponseRowDeserializer().schema.fields]
        out = StructType([*fields, transform_stats.STATS_SPARK_FIELD])

        def predict(arrays: Iterator[pa.Array]) -> Iterator[pa.Array]:
            batches = (pa.RecordBatch.from_arrays([a], ["features"]) for a in arrays)
            for result in predictor(batches):
                yield pa.StructArray.from_arrays(result.columns, fields=list(result.schema))

        udf = F.arrow_udf(predict, out, F.ArrowUDFType.SCALAR_ITER).asNondeterministic()
        unwrapped = df.withColumn("__v", F.unwrap_udt(df["features"]))
        joined = unwrapped.withColumn("__p", udf(F.expr(friendly_vector_sql("__v"))))
        names = [f.name for f in out.fields]
        flat = joined.select(*df.columns, *[F.col("__p")[n].alias(n) for n in names])
        return transform_stats.observe(flat)[0]

    results = []
    for case in args.cases.split(","):
        n, d = (int(x) for x in case.split("x"))
        extra = [F.rand(seed=i).alias(f"x{i}") for i in range(args.extra)]
        df = (
            spark.range(0, n, 1, args.partitions)
            .select(
                array_to_vector(
                    F.expr(
                        f"transform(sequence(0, {d - 1}), i -> "
                        "pmod(hash(42, id, i), 1000003) / 1000003D)"
                    )
                ).alias("features"),
                *extra,
            )
            .cache()
        )
        df.count()
        paths = {"mapInArrow": model.transform, "arrow_udf": through_udf}
        stub(url, "/config", {"latency_ms": 0, "fail_rate": 0})
        first = through_udf(df).limit(3).collect()
        assert first[0]["closest_cluster"] == 0.0, first[0]
        for path in paths.values():
            path(df).write.format("noop").mode("overwrite").save()
        times: dict[tuple[str, int], list[float]] = {}
        for _ in range(args.reps):
            for latency in (int(x) for x in args.latencies.split(",")):
                stub(url, "/config", {"latency_ms": latency})
                for name, path in paths.items():
                    stub(url, "/stats?reset=1")
                    started = time.perf_counter()
                    path(df).write.format("noop").mode("overwrite").save()
                    times.setdefault((name, latency), []).append(time.perf_counter() - started)
                    s = stub(url, "/stats")
                    assert s["records_in"] == n == s["records_out"], (name, s)
        for (name, latency), ts in times.items():
            row = {
                "case": case,
                "extra_columns": args.extra,
                "P": args.partitions,
                "latency_ms": latency,
                "path": name,
                "median_s": round(statistics.median(ts), 3),
                "runs": [round(t, 3) for t in ts],
            }
            results.append(row)
            print(json.dumps(row), flush=True)
        df.unpersist()
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
