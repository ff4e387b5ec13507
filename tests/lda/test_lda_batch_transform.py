"""LDA through Batch Transform gives the same topic mixtures as through an endpoint, row
for row and in order, with the plugin's own codecs."""

from __future__ import annotations

import numpy as np
import pytest
from algorithm_helpers import assert_batch_transform_matches_endpoint, make_estimator
from pyspark.ml.linalg import Vectors
from smspark_lda import LDASageMakerEstimator

pytestmark = pytest.mark.spark


def test_batch_transform_matches_the_endpoint(local, spark):
    counts = np.random.default_rng(4).poisson(1.0, size=(240, 20)).astype(float)
    rows = [(i, Vectors.dense(c)) for i, c in enumerate(counts)]
    df = spark.createDataFrame(rows, ["id", "features"]).repartition(3).localCheckpoint()
    lda = make_estimator(LDASageMakerEstimator, local)
    model = lda.setNumTopics(3).setFeatureDim(20).setMiniBatchSize(60).fit(df)
    rows = assert_batch_transform_matches_endpoint(local, model, df)
    assert len(rows[0][-1]) == 3
