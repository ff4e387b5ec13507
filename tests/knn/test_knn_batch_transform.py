"""k-NN through Batch Transform gives the same predicted labels as through an endpoint, row
for row and in order, with the plugin's own codecs."""

from __future__ import annotations

import numpy as np
import pytest
from algorithm_helpers import assert_batch_transform_matches_endpoint, make_estimator
from pyspark.ml.linalg import Vectors
from smspark_knn import KNNSageMakerEstimator

pytestmark = pytest.mark.spark


def test_batch_transform_matches_the_endpoint(local, spark):
    rng = np.random.default_rng(6)
    labels = rng.integers(0, 3, 240)
    points = rng.normal(0, 1, (240, 8)) + 3 * np.eye(3, 8)[labels]
    rows = [(i, Vectors.dense(p), float(y)) for i, (p, y) in enumerate(zip(points, labels))]
    df = spark.createDataFrame(rows, ["id", "features", "label"]).repartition(3).localCheckpoint()
    knn = make_estimator(KNNSageMakerEstimator, local)
    model = knn.setK(5).setSampleSize(200).setPredictorType("classifier").fit(df)
    rows = assert_batch_transform_matches_endpoint(local, model, df)
    assert {row[-1] for row in rows} <= {0.0, 1.0, 2.0}
