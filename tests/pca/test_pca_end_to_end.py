"""The two pipelines of examples/pca_kmeans_pipelines.py on the local backend: SageMaker
PCA (endpoint created on transform) feeding SageMaker k-means, and Spark's PCA feeding
SageMaker k-means."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pyspark.ml.linalg import VectorUDT

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import pca_kmeans_pipelines as example  # noqa: E402
from smspark_local.session import delete_endpoints  # noqa: E402

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def digits(spark):
    return example.digits_frame(spark).repartition(2).randomSplit([0.8, 0.2], seed=5)


def _options(local):
    return {"clientSpec": local.client_spec, "pollSeconds": 0.1}


def test_sagemaker_pca_then_sagemaker_kmeans(local, digits):
    train, test = digits
    pipeline = example.two_sagemaker_stages(**_options(local))
    model = pipeline.fit(train)
    try:
        pca_model, kmeans_model = model.stages
        assert pca_model.endpointName is not None  # created on transform, during fit
        out = model.transform(test)
        assert isinstance(out.schema["projection"].dataType, VectorUDT)
        rows = out.select("projection", "closest_cluster").collect()
        assert len(rows) == test.count()
        assert all(len(r.projection) == 10 for r in rows)
        assert example.purity(out) > 0.5
    finally:
        delete_endpoints(model)
    endpoints = local.client("sagemaker").list_endpoints()["Endpoints"]
    remaining = {e["EndpointName"] for e in endpoints if e["EndpointStatus"] != "Deleting"}
    assert not remaining & {pca_model.endpointName, kmeans_model.endpointName}


def test_spark_pca_then_sagemaker_kmeans(local, digits):
    train, test = digits
    model = example.spark_pca_then_sagemaker(**_options(local)).fit(train)
    try:
        job = local.client("sagemaker").describe_training_job(
            TrainingJobName=model.stages[-1].getNamePolicy().trainingJobName
        )
        assert job["HyperParameters"]["feature_dim"] == "10"  # from the pca_features column
        assert example.purity(model.transform(test)) > 0.5
    finally:
        delete_endpoints(model)
