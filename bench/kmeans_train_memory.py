"""Peak memory and time of the local k-means image on a large channel, streaming against
loading the channel at once, in the same run.

Data: N x D float32 rows (default 200,000 x 64) from 10 Gaussian blobs, written as one
RecordIO-protobuf train file (what the "sagemaker" format stages), in a temporary
/opt/ml-style directory.

Measured, each in a fresh child process (its own peak RSS, from getrusage):
  baseline   the interpreter with numpy, scipy and the k-means modules imported, no data
  stream     the image's train target: mini-batches of mini_batch_size rows
  at-once    the same algorithm given the whole channel as one float64 batch (what a
             container that loads its input first would hold)

Prints a table and one JSON line. Not a test: run it by hand,
  .venv/bin/python bench/kmeans_train_memory.py [--rows 200000] [--dim 64]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from smspark_core.codecs import amazon_record

CHILD = r"""
import resource, sys, time
from pathlib import Path
import numpy as np, scipy.sparse
from smspark_local.toolkit.container import TrainingEnvironment
from smspark_local.toolkit.channels import read_all
from smspark_kmeans import container
from smspark_kmeans.algorithm import train_kmeans
mode, root = sys.argv[1], Path(sys.argv[2])
env = TrainingEnvironment.load(root)
started = time.perf_counter()
if mode == "stream":
    container.train(env)
elif mode == "at-once":
    settings = container.parse_settings(env.hyperparameters)
    data = read_all(env, "train", feature_dim=settings.feature_dim, default_label_size=0)
    train_kmeans(lambda: [data.features], settings)
print(time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def make_channel(root: Path, rows: int, dim: int, batch: int) -> int:
    rng = np.random.default_rng(0)
    centers = rng.normal(0, 10, size=(10, dim))
    channel = root / "input" / "data" / "train"
    channel.mkdir(parents=True)
    with (channel / "part-00000.pbr").open("wb") as out:
        for start in range(0, rows, 50_000):
            count = min(50_000, rows - start)
            x = centers[rng.integers(0, 10, count)] + rng.normal(0, 1, size=(count, dim))
            out.write(amazon_record.dense_records(x).tobytes())
    config = root / "input" / "config"
    config.mkdir(parents=True)
    hyperparameters = {"k": "10", "feature_dim": str(dim), "mini_batch_size": str(batch)}
    (config / "hyperparameters.json").write_text(json.dumps(hyperparameters))
    (config / "inputdataconfig.json").write_text(json.dumps({"train": {}}))
    (root / "model").mkdir()
    (root / "output").mkdir()
    return (channel / "part-00000.pbr").stat().st_size


def measure(mode: str, root: Path) -> tuple[float, float]:
    """(peak RSS in MB, seconds) of one child, as the child itself reports them."""
    result = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(root)], capture_output=True, text=True, check=True
    )
    seconds, peak_kb = result.stdout.strip().splitlines()[-1].split()
    return int(peak_kb) / 1024, float(seconds)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--mini-batch", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        size = make_channel(root, args.rows, args.dim, args.mini_batch)
        figures = {}
        for mode in ("baseline", "stream", "at-once"):
            started = time.perf_counter()
            peak, seconds = measure(mode, root)
            figures[mode] = {
                "peak_rss_mb": round(peak, 1),
                "seconds": round(seconds, 2),
                "wall_s": round(time.perf_counter() - started, 2),
            }
    matrix_mb = args.rows * args.dim * 8 / 2**20
    print(
        f"channel: {args.rows} x {args.dim} float32 records, {size / 2**20:.1f} MB on disk; "
        f"the rows as float64 are {matrix_mb:.1f} MB"
    )
    print(f"{'mode':<10} {'peak RSS MB':>12} {'train s':>9}")
    for mode, row in figures.items():
        print(f"{mode:<10} {row['peak_rss_mb']:>12.1f} {row['seconds']:>9.2f}")
    extra = {
        m: round(figures[m]["peak_rss_mb"] - figures["baseline"]["peak_rss_mb"], 1)
        for m in ("stream", "at-once")
    }
    print(f"above baseline: stream +{extra['stream']} MB, at-once +{extra['at-once']} MB")
    print(
        json.dumps(
            {
                "bench": "kmeans_train_memory",
                "rows": args.rows,
                "dim": args.dim,
                "figures": figures,
                "above_baseline_mb": extra,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
