"""A user's first run, from wheels: k-means fit -> transform on the local backend.

``scripts/dev wheels`` builds the wheels of smspark-core, smspark-local and smspark-kmeans,
installs them (with ``smspark-kmeans[local]``) into a fresh virtual environment, copies this
file out of the repository and runs it there, so nothing can come from the checkout. It
fails if any smspark module is imported from outside that environment.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from pyspark.ml.linalg import Vectors
from pyspark.sql import SparkSession


def main() -> int:
    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .getOrCreate()
    )
    from smspark_kmeans import KMeansSageMakerEstimator
    from smspark_local import LocalSageMaker

    from smspark_core import IAMRole

    rng = np.random.default_rng(0)
    centers = np.array([[0.0, 0.0], [10.0, 10.0], [-10.0, 10.0]])
    points = np.concatenate([c + rng.normal(size=(50, 2)) for c in centers])
    frame = spark.createDataFrame(
        [(i, Vectors.dense(p)) for i, p in enumerate(points)], ["id", "features"]
    )
    with LocalSageMaker():
        kmeans = KMeansSageMakerEstimator(
            trainingInstanceType="ml.m5.large",
            trainingInstanceCount=1,
            endpointInstanceType="ml.m5.large",
            endpointInitialInstanceCount=1,
            sagemakerRole=IAMRole("arn:aws:iam::123456789012:role/smoke"),
        ).setK(3)
        model = kmeans.fit(frame)
        try:
            rows = model.transform(frame).select("id", "closest_cluster").collect()
        finally:
            model.resourceCleanup.deleteResources(model.getCreatedResources())
    clusters = {row.id // 50: set() for row in rows}
    for row in rows:
        clusters[row.id // 50].add(row.closest_cluster)
    assert len(rows) == len(points), f"{len(rows)} rows back for {len(points)}"
    assert all(len(found) == 1 for found in clusters.values()), clusters
    venv = Path(sys.prefix).resolve()
    outside = sorted(
        f"{name}: {module.__file__}"
        for name, module in sys.modules.items()
        if name.split(".")[0].startswith("smspark")
        and getattr(module, "__file__", None)
        and venv not in Path(module.__file__).resolve().parents
    )
    assert not outside, f"smspark modules imported from outside {venv}: {outside}"
    print(f"wheel smoke test: {len(rows)} rows, 3 clusters, every module from {venv}")
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
