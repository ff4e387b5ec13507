"""Encoding throughput: how close the "sagemaker" writer and the serializer batch path get
to the cost of merely moving the same Arrow batches through a Python worker.

Data (generated on the executors, cached before timing):
  dense   100,000 x 784 doubles with labels (array_to_vector over rand() columns, on the JVM;
          --dense-rows 200000 for fit's staging case)
  sparse   20,000 x 10,000 at 10% density with labels (numpy in mapInArrow: the JVM has
           no sparse generator)

Measured, each a full pass over the cached data, median of --reps rounds in which every
measure runs once (interleaved, so that load on a shared machine hits them alike):
  write    df.write.format("sagemaker") to a local directory
  stage    the same through arrow_friendly(df), as fit() stages "sagemaker" training data
  serial   ProtobufRequestRowSerializer.serialize_batch inside mapInArrow
  floor    mapInArrow receiving the same batches and doing nothing with them
  dsnull   a Python data source whose Arrow writer does nothing: Spark's own cost of a
           Python data source write (planning and commit workers, batch transfer)
  noop     Spark's own noop write (no Python at all)

Prints a table and one JSON line; ratios are to the floor. Not a test: run it by hand,
  .venv/bin/python bench/encode.py [--reps 3] [--scale 1.0]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

import numpy as np
import pyarrow as pa
from pyspark.ml.functions import array_to_vector
from pyspark.ml.linalg import VectorUDT
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.datasource import DataSource, DataSourceArrowWriter, WriterCommitMessage
from pyspark.sql.types import DoubleType, LongType, StructField, StructType

import smspark_core
from smspark_core.transformation import arrow_vectors as av
from smspark_core.transformation.arrow_transport import arrow_friendly
from smspark_core.transformation.serializers import ProtobufRequestRowSerializer

INDEX_LIST = av.VECTOR_ARROW_TYPE.field("indices").type
VALUE_LIST = av.VECTOR_ARROW_TYPE.field("values").type
SUMMARY = StructType([StructField("rows", LongType()), StructField("bytes", LongType())])


class NullArrowWriter(DataSourceArrowWriter):
    def write(self, iterator):
        for _ in iterator:
            pass
        return WriterCommitMessage()


class NullDataSource(DataSource):
    """Receives every batch and writes nothing: the baseline of a Python data source write."""

    @classmethod
    def name(cls) -> str:
        return "smspark-bench-null"

    def writer(self, schema, overwrite):
        return NullArrowWriter()


def dense_frame(spark, rows: int, dim: int):
    features = array_to_vector(F.array(*[F.rand(seed=i) for i in range(dim)]))
    return spark.range(rows, numPartitions=2).select(
        (F.col("id") % 10).cast("double").alias("label"), features.alias("features")
    )


def sparse_frame(spark, rows: int, dim: int, density: float):
    nnz = int(dim * density)
    schema = StructType([StructField("label", DoubleType()), StructField("features", VectorUDT())])

    def generate(batches):
        for batch in batches:
            ids = batch.column("id").to_numpy()
            rng = np.random.default_rng(int(ids[0]) if len(ids) else 0)
            n = len(ids)
            indices = np.sort(rng.random((n, dim)).argpartition(nnz, axis=1)[:, :nnz], axis=1)
            offsets = pa.array(np.arange(n + 1, dtype=np.int32) * nnz)
            vectors = pa.StructArray.from_arrays(
                [
                    pa.array(np.zeros(n, np.int8)),
                    pa.array(np.full(n, dim, np.int32)),
                    pa.ListArray.from_arrays(
                        offsets, pa.array(indices.ravel().astype(np.int32)), type=INDEX_LIST
                    ),
                    pa.ListArray.from_arrays(
                        offsets, pa.array(rng.random(n * nnz)), type=VALUE_LIST
                    ),
                ],
                fields=list(av.VECTOR_ARROW_TYPE),
            )
            yield pa.RecordBatch.from_arrays(
                [pa.array((ids % 10).astype(float)), vectors], ["label", "features"]
            )

    return spark.range(rows, numPartitions=2).mapInArrow(generate, schema)


def serializer_pass(df, serializer):
    def serialize(batches):
        rows = size = 0
        for batch in batches:
            rows += batch.num_rows
            size += len(serializer.serialize_batch(batch).data)
        yield pa.RecordBatch.from_arrays([pa.array([rows]), pa.array([size])], ["rows", "bytes"])

    return df.mapInArrow(serialize, SUMMARY)


def floor_pass(df):
    def consume(batches):
        rows = 0
        for batch in batches:
            rows += batch.num_rows
        yield pa.RecordBatch.from_arrays([pa.array([rows]), pa.array([0])], ["rows", "bytes"])

    return df.mapInArrow(consume, SUMMARY)


def timed(actions: dict, reps: int) -> dict[str, list[float]]:
    """Seconds of each action in each of ``reps`` rounds (every action once per round),
    after one untimed warm-up run of each (worker start-up)."""
    for action in actions.values():
        action()
    times: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(reps):
        for name, action in actions.items():
            started = time.perf_counter()
            action()
            times[name].append(time.perf_counter() - started)
    return times


def measure(name: str, df, reps: int, out_root: str) -> dict:
    rows = df.count()
    serializer = ProtobufRequestRowSerializer()
    payload = sum(r.bytes for r in serializer_pass(df, serializer).collect())
    out = os.path.join(out_root, name)

    def write():
        df.write.format("sagemaker").mode("overwrite").save(out)

    def stage():
        arrow_friendly(df).write.format("sagemaker").mode("overwrite").save(out)

    def noop(frame):
        return lambda: frame.write.format("noop").mode("overwrite").save()

    actions = {
        "write": write,
        "stage": stage,
        "serial": noop(serializer_pass(df, serializer)),
        "floor": noop(floor_pass(df)),
        "dsnull": lambda: df.write.format(NullDataSource.name()).mode("append").save(),
        "noop": noop(df),
    }
    results = timed(actions, reps)
    floor = statistics.median(results["floor"])
    report = {"data": name, "rows": rows, "payload_mb": payload / 1e6, "measures": {}}
    for measure_name, times in results.items():
        median = statistics.median(times)
        report["measures"][measure_name] = {
            "median_s": round(median, 3),
            "min_s": round(min(times), 3),
            "max_s": round(max(times), 3),
            "times_s": [round(t, 3) for t in times],
            "rows_per_s": round(rows / median),
            "mb_per_s": round(payload / 1e6 / median, 1),
            "ratio_to_floor": round(median / floor, 2),
            "ratio_to_dsnull": round(median / statistics.median(results["dsnull"]), 2),
        }
    return report


# Spark's Python workers must run this interpreter (the one with smspark installed).
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the row counts")
    parser.add_argument("--dense-rows", type=int, default=100_000)
    parser.add_argument("--only", choices=["dense", "sparse"], default=None)
    parser.add_argument(
        "--out",
        default="/dev/shm" if os.path.isdir("/dev/shm") else None,
        help="where the write measure writes (default tmpfs, so disk writeback does not "
        "blur the encoding figures)",
    )
    args = parser.parse_args()
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("smspark-bench-encode")
        .config("spark.driver.memory", "8g")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    smspark_core.register_data_source(spark)
    spark.dataSource.register(NullDataSource)
    out_root = tempfile.mkdtemp(prefix="smspark-bench-", dir=args.out)
    datasets = {
        f"dense {args.dense_rows}x784": dense_frame(spark, int(args.dense_rows * args.scale), 784),
        "sparse 20000x10000 10%": sparse_frame(spark, int(20_000 * args.scale), 10_000, 0.10),
    }
    reports = []
    try:
        for name, df in datasets.items():
            if args.only and not name.startswith(args.only):
                continue
            df = df.cache()
            df.count()
            reports.append(measure(name.split()[0], df, args.reps, out_root))
            reports[-1]["data"] = name
            df.unpersist()
    finally:
        shutil.rmtree(out_root, ignore_errors=True)
        spark.stop()

    print(
        f"\n{'data':<24}{'measure':<8}{'median s':>10}{'min-max s':>14}{'rows/s':>10}"
        f"{'MB/s':>8}{'x floor':>9}{'x dsnull':>9}"
    )
    for report in reports:
        for measure_name, m in report["measures"].items():
            spread = f"{m['min_s']:.2f}-{m['max_s']:.2f}"
            print(
                f"{report['data']:<24}{measure_name:<8}{m['median_s']:>10.3f}{spread:>14}"
                f"{m['rows_per_s']:>10,}{m['mb_per_s']:>8.1f}{m['ratio_to_floor']:>9.2f}"
                f"{m['ratio_to_dsnull']:>9.2f}"
            )
    print("MB = encoded RecordIO-protobuf payload (the same for every measure of a data set)")
    print(f"write measure wrote under {out_root}")
    print(
        json.dumps({"bench": "encode", "reps": args.reps, "scale": args.scale, "results": reports})
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
