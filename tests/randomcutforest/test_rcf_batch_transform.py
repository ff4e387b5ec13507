"""Random Cut Forest through Batch Transform gives the same scores as through an endpoint,
row for row and in order, with the plugin's own codecs."""

from __future__ import annotations

import numpy as np
import pytest
from algorithm_helpers import assert_batch_transform_matches_endpoint, make_estimator
from pyspark.ml.linalg import Vectors
from smspark_randomcutforest import RandomCutForestSageMakerEstimator

pytestmark = pytest.mark.spark


def test_batch_transform_matches_the_endpoint(local, spark):
    rng = np.random.default_rng(6)
    points = rng.normal(0, 1, (400, 6))
    points[::50] += 6  # a few far off
    rows = [(i, Vectors.dense(p)) for i, p in enumerate(points)]
    df = spark.createDataFrame(rows, ["id", "features"]).repartition(3).localCheckpoint()
    rcf = make_estimator(RandomCutForestSageMakerEstimator, local)
    model = rcf.setNumTrees(50).setNumSamplesPerTree(64).fit(df)
    rows = assert_batch_transform_matches_endpoint(local, model, df)
    scores = {row.id: row.score for row in rows}
    far = [scores[i] for i in range(0, 400, 50)]
    assert min(far) > max(scores[i] for i in range(400) if i % 50)
