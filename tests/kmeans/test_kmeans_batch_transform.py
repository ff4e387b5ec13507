"""KMeans through Batch Transform gives the same predictions as through an endpoint, row
for row and in order, with the plugin's own codecs."""

from __future__ import annotations

import pytest
from algorithm_helpers import (
    assert_batch_transform_matches_endpoint,
    make_estimator,
    run_example,
)
from pyspark.ml.linalg import Vectors
from sklearn.datasets import load_diabetes
from smspark_kmeans import KMeansSageMakerEstimator

pytestmark = pytest.mark.spark


def test_batch_transform_matches_the_endpoint(local, spark):
    x, y = load_diabetes(return_X_y=True)
    rows = [(i, float(t), Vectors.dense(f)) for i, (f, t) in enumerate(zip(x[:240], y[:240]))]
    df = spark.createDataFrame(rows, ["id", "label", "features"]).repartition(3).localCheckpoint()
    model = make_estimator(KMeansSageMakerEstimator, local).setK(5).fit(df)
    rows = assert_batch_transform_matches_endpoint(local, model, df)
    assert rows[0]["distance_to_cluster"] is not None


def test_the_batch_transform_example_runs():
    result = run_example("kmeans_batch_transform.py")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "scored 1797 rows" in result.stdout
    assert "closest_cluster" in result.stdout and "deleted:" in result.stdout
    counts = [
        int(line.split("|")[2])
        for line in result.stdout.splitlines()
        if line.startswith("|") and line.split("|")[1].strip().replace(".", "").isdigit()
    ]
    assert sum(counts) == 1797
