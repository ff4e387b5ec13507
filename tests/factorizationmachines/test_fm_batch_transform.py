"""Factorization Machines through Batch Transform gives the same predictions as through an
endpoint, row for row and in order, with the plugin's own codecs."""

from __future__ import annotations

import pytest
from algorithm_helpers import assert_batch_transform_matches_endpoint, make_estimator
from pyspark.ml.linalg import Vectors
from sklearn.datasets import load_diabetes
from smspark_factorizationmachines import FactorizationMachinesRegressor

pytestmark = pytest.mark.spark


def test_batch_transform_matches_the_endpoint(local, spark):
    x, y = load_diabetes(return_X_y=True)
    rows = [(i, float(t), Vectors.dense(f)) for i, (f, t) in enumerate(zip(x[:240], y[:240]))]
    df = spark.createDataFrame(rows, ["id", "label", "features"]).repartition(3).localCheckpoint()
    fm = make_estimator(FactorizationMachinesRegressor, local)
    model = fm.setNumFactors(2).setEpochs(2).setMiniBatchSize(50).fit(df)
    rows = assert_batch_transform_matches_endpoint(local, model, df)
    assert rows[0]["score"] is not None
