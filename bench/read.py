"""Reading throughput: ``spark.read.format("sagemaker")`` against parquet holding the same rows.

Data (generated on the JVM, written once before timing, to tmpfs by default):
  dense   200,000 x 784 doubles with labels, 8 parts (array_to_vector over rand() columns)
  sparse   20,000 x 10,000 at 10% density with labels, 8 parts

Both are written with ``format("sagemaker")`` and with ``format("parquet")`` (label double,
features vector) from the same cached DataFrame. Measured, median of --reps interleaved
rounds, each a full pass:
  read     every row and column, into Spark's noop sink
  count    ``count()``
  label    ``count()`` through ``.schema("label double")`` (sagemaker only: no feature decoding)
Then the peak memory of reading one part of each size in --memory-parts (MB) in a fresh
Python process (no Spark; the reader's own streaming), to show that it does not grow with
the part.

Prints a table and one JSON line; ratios are sagemaker / parquet. Not a test: run it by hand,
  .venv/bin/python bench/read.py [--reps 5] [--scale 1.0]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

import numpy as np
from pyspark.ml.functions import array_to_vector
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from encode import sparse_frame  # noqa: E402 - the same generator as the write bench

import smspark_core  # noqa: E402
from smspark_core.codecs import amazon_record  # noqa: E402

os.environ.setdefault("PYSPARK_PYTHON", sys.executable)


def dense_frame(spark, rows: int, dim: int, parts: int):
    features = array_to_vector(F.array(*[F.rand(seed=i) for i in range(dim)]))
    return spark.range(rows, numPartitions=parts).select(
        (F.col("id") % 10).cast("double").alias("label"), features.alias("features")
    )


def passes(spark, fmt: str, path: str) -> dict:
    def load():
        return spark.read.format(fmt).load(path)

    actions = {
        "read": lambda: load().write.format("noop").mode("overwrite").save(),
        "count": lambda: load().count(),
    }
    if fmt == "sagemaker":
        actions["label"] = lambda: spark.read.format(fmt).schema("label double").load(path).count()
    return actions


def measure(spark, name: str, df, rows: int, reps: int, root: str) -> dict:
    paths = {fmt: os.path.join(root, f"{name}.{fmt}") for fmt in ("sagemaker", "parquet")}
    for fmt, path in paths.items():
        df.write.format(fmt).mode("overwrite").save(path)
    sizes = {fmt: _size(path) for fmt, path in paths.items()}
    actions = {fmt: passes(spark, fmt, path) for fmt, path in paths.items()}
    counted = {fmt: a["count"]() for fmt, a in actions.items()}  # warm-up, and a check
    if set(counted.values()) != {rows}:
        raise AssertionError(f"row counts differ: {counted}")
    times: dict[str, list[float]] = {}
    for _ in range(reps):  # interleaved: load on the shared machine hits both alike
        for fmt, fmt_actions in actions.items():
            for action_name, action in fmt_actions.items():
                started = time.perf_counter()
                action()
                times.setdefault(f"{fmt} {action_name}", []).append(time.perf_counter() - started)
    report = {"data": name, "rows": rows, "bytes": sizes, "measures": {}}
    for key, values in times.items():
        fmt = key.split()[0]
        median = statistics.median(values)
        report["measures"][key] = {
            "median_s": round(median, 3),
            "min_s": round(min(values), 3),
            "max_s": round(max(values), 3),
            "times_s": [round(t, 3) for t in values],
            "rows_per_s": round(rows / median),
            "file_mb_per_s": round(sizes[fmt] / 1e6 / median, 1),
        }
    for action_name in ("read", "count"):
        ours = report["measures"][f"sagemaker {action_name}"]["median_s"]
        theirs = report["measures"][f"parquet {action_name}"]["median_s"]
        report[f"{action_name}_throughput_vs_parquet"] = round(theirs / ours, 2)
    return report


def _size(path: str) -> int:
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files)


MEMORY_PROBE = textwrap.dedent(
    """
    import sys
    from smspark_core.datasource.record_reader import read_part
    def status(key):  # kB, from /proc/self/status
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith(key))
    path, rows = sys.argv[1], int(sys.argv[2])
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # resets the peak (VmHWM) to the current RSS
    before = status("VmRSS:")
    count = 0
    with open(path, "rb") as stream:
        for batch in read_part(stream, path, ["label", "features"]):
            count += batch.num_rows
    assert count == rows, count
    print(before, status("VmHWM:"))
    """
)


def memory(part_mb: list[int], root: str) -> list[dict]:
    """Peak RSS growth (VmHWM over VmRSS before) of a fresh process while it reads one dense
    part of each size; the part is written here first, a slice at a time."""
    rng = np.random.default_rng(0)
    record_bytes = len(amazon_record.dense_records(np.zeros((1, 784)), np.ones(1)).tobytes())
    results = []
    for mb in part_mb:
        rows = int(mb * 1e6 / record_bytes)
        path = os.path.join(root, f"memory-{mb}.pbr")
        with open(path, "wb") as out:
            for start in range(0, rows, 5000):
                n = min(5000, rows - start)
                out.write(amazon_record.dense_records(rng.random((n, 784)), np.ones(n)).tobytes())
        probe = subprocess.run(
            [sys.executable, "-c", MEMORY_PROBE, path, str(rows)],
            capture_output=True,
            text=True,
            check=True,
        )
        before, after = (int(x) for x in probe.stdout.split())
        os.unlink(path)
        growth = round((after - before) / 1024, 1)
        results.append({"part_mb": mb, "rows": rows, "peak_rss_growth_mb": growth})
    return results


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the row counts")
    parser.add_argument("--parts", type=int, default=8)
    parser.add_argument("--memory-parts", default="80,640", help="part sizes in MB, or ''")
    parser.add_argument("--only", choices=["dense", "sparse"], default=None)
    parser.add_argument(
        "--out", default="/dev/shm" if os.path.isdir("/dev/shm") else None, help="data directory"
    )
    args = parser.parse_args()
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("smspark-bench-read")
        .config("spark.driver.memory", "6g")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    smspark_core.register_data_source(spark)
    root = tempfile.mkdtemp(prefix="smspark-bench-read-", dir=args.out)
    dense_rows, sparse_rows = int(200_000 * args.scale), int(20_000 * args.scale)
    datasets = {
        "dense 200000x784": (
            lambda: dense_frame(spark, dense_rows, 784, args.parts),
            dense_rows,
        ),
        "sparse 20000x10000 10%": (
            lambda: sparse_frame(spark, sparse_rows, 10_000, 0.10).repartition(args.parts),
            sparse_rows,
        ),
    }
    reports = []
    try:
        for name, (make, rows) in datasets.items():
            if args.only and not name.startswith(args.only):
                continue
            df = make().cache()
            df.count()
            reports.append(measure(spark, name.split()[0], df, rows, args.reps, root))
            reports[-1]["data"] = name
            df.unpersist()
            shutil.rmtree(root, ignore_errors=True)
            os.makedirs(root, exist_ok=True)
        spark.stop()
        sizes = [int(x) for x in args.memory_parts.split(",") if x]
        memory_report = memory(sizes, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)

    print(f"\n{'data':<24}{'measure':<18}{'median s':>10}{'min-max s':>14}{'rows/s':>12}")
    for report in reports:
        for key, m in report["measures"].items():
            spread = f"{m['min_s']:.2f}-{m['max_s']:.2f}"
            print(
                f"{report['data']:<24}{key:<18}{m['median_s']:>10.3f}{spread:>14}"
                f"{m['rows_per_s']:>12,}"
            )
        print(
            f"{'':<24}sagemaker throughput / parquet's: read "
            f"{report['read_throughput_vs_parquet']:.2f}, count "
            f"{report['count_throughput_vs_parquet']:.2f}"
        )
    for m in memory_report:
        growth = m["peak_rss_growth_mb"]
        print(f"one {m['part_mb']} MB part ({m['rows']:,} rows): peak RSS +{growth} MB")
    print(
        json.dumps(
            {
                "bench": "read",
                "reps": args.reps,
                "scale": args.scale,
                "results": reports,
                "memory": memory_report,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
