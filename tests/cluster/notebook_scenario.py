"""A user's session as a notebook runs it, for the cluster tests to run as its own driver:
the SparkSession first (on the master given), then the local backend, no AWS settings in the
environment; the "sagemaker" format round trip through the backend's S3 and a local path,
fit with a custom image, transform with its transformStats, a PipelineModel saved, loaded
and used again. Prints one ``RESULT {json}``
line; every row is checked, nothing is sampled.

    python notebook_scenario.py <master> <workdir>
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

import numpy as np
from pyspark.ml import PipelineModel
from pyspark.ml.linalg import Vectors
from pyspark.sql import SparkSession

ROLE = "arn:aws:iam::123456789012:role/smspark-test"
SUM_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/test-sum:1"
ROWS = 2000


def session(master: str) -> SparkSession:
    return (
        SparkSession.builder.master(master)
        .appName("smspark-notebook-order")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.executor.memory", "512m")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.task.maxFailures", "1")  # a task that fails once fails the test
        .getOrCreate()
    )


def rows_of(df) -> list[tuple[float, tuple[float, ...]]]:
    return sorted((r.label, tuple(r.features.toArray())) for r in df.collect())


def main(master: str, workdir: Path) -> dict:
    assert not [
        k
        for k in os.environ
        if k.startswith("AWS_") and "FILE" not in k and k != "AWS_EC2_METADATA_DISABLED"
    ]
    spark = session(master)  # before the backend: its workers never see the backend's settings
    logging.basicConfig(level=logging.INFO, stream=sys.stdout)
    logging.getLogger("smspark").setLevel(logging.DEBUG)

    from smspark_local import LocalSageMaker

    from smspark_core import (
        EndpointCreationPolicy,
        IAMRole,
        S3DataPath,
        SageMakerEstimator,
        SageMakerResourceCleanup,
    )
    from smspark_core.plugins.specs import LocalImageSpec
    from smspark_core.transformation.deserializers import XGBoostCSVRowDeserializer
    from smspark_core.transformation.serializers import UnlabeledCSVRequestRowSerializer

    image = LocalImageSpec(
        "test-sum",
        train="smspark_testplugin.images:train",
        serve="smspark_testplugin.images:serve",
    )
    rng = np.random.default_rng(2)
    features = rng.integers(0, 9, size=(ROWS, 4)).astype(float)
    df = spark.createDataFrame(
        [(i, float(i % 2), Vectors.dense(f)) for i, f in enumerate(features)],
        ["id", "label", "features"],
    ).repartition(4)
    result: dict = {"executors": spark.sparkContext.defaultParallelism}
    with LocalSageMaker(workdir / "backend", images={"test-sum": image}, ping_timeout=120) as sm:
        sm.client("s3").create_bucket(Bucket="notebook")
        training = df.select("label", "features")
        for name, path in (("s3", "s3://notebook/datasource"), ("local", str(workdir / "parts"))):
            training.write.format("sagemaker").mode("overwrite").save(path)
            back = spark.read.format("sagemaker").load(path)
            result[f"datasource_{name}"] = rows_of(back) == rows_of(training)
        estimator = SageMakerEstimator(
            SUM_IMAGE,
            SUM_IMAGE,
            "ml.m5.large",
            1,
            "ml.m5.large",
            1,
            UnlabeledCSVRequestRowSerializer(),
            XGBoostCSVRowDeserializer(),
            hyperParameters={"feature_dim": "4"},
            sagemakerRole=IAMRole(ROLE),
            trainingInputS3DataPath=S3DataPath("notebook", "staging"),
            trainingOutputS3DataPath=S3DataPath("notebook", "output"),
            endpointCreationPolicy=EndpointCreationPolicy.CREATE_ON_CONSTRUCT,
            pollSeconds=0.2,
        )
        model = estimator.fit(training)
        try:
            job = sm.client("sagemaker").describe_training_job(
                TrainingJobName=estimator.latestTrainingJob
            )
            result["staged_rows"] = job["FinalMetricDataList"][0]["Value"]
            predicted = sorted(model.transform(df).collect(), key=lambda r: r.id)
            result["transform_ids"] = [r.id for r in predicted] == list(range(ROWS))
            expected = features @ features.mean(axis=0)
            result["transform_predictions"] = bool(
                np.allclose([r.prediction for r in predicted], expected, rtol=1e-6)
            )
            stats = model.transformStats
            result["transform_stats"] = (stats["rows_sent"], stats["failed_requests"]) == (ROWS, 0)
            PipelineModel(stages=[model]).write().overwrite().save(str(workdir / "saved"))
            loaded = PipelineModel.load(str(workdir / "saved"))
            again = sorted(loaded.transform(df).collect(), key=lambda r: r.id)
            result["loaded_transform"] = [r.prediction for r in again] == [
                r.prediction for r in predicted
            ]
        finally:
            SageMakerResourceCleanup(sm.client("sagemaker")).deleteResources(
                model.getCreatedResources()
            )
    spark.stop()
    return result


if __name__ == "__main__":
    print("RESULT " + json.dumps(main(sys.argv[1], Path(sys.argv[2]))), flush=True)
