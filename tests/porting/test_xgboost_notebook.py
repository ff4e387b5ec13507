"""The official SageMaker PySpark XGBoost MNIST notebook's estimator cells, unchanged (only
the data and the role differ), through fit() and transform() on the local backend: its
setSilent(0) is for the legacy image, and the default image must still train."""

from __future__ import annotations

import logging

import pytest
from algorithm_helpers import ROLE, digits_libsvm
from smspark_local.session import delete_endpoints

pytestmark = pytest.mark.spark


def test_the_notebooks_setters_train_and_predict_on_the_default_image(
    local, spark, tmp_path, monkeypatch, caplog
):
    for key, value in local.environment.items():  # boto3 reaches the local backend
        monkeypatch.setenv(key, value)
    libsvm = digits_libsvm(tmp_path / "digits.libsvm")
    trainingData = (  # noqa: N806 - the notebook's names
        spark.read.format("libsvm")
        .option("numFeatures", "64")
        .option("vectorType", "dense")
        .load(str(libsvm))
    )
    testData = trainingData.limit(100)  # noqa: N806
    role = ROLE

    # The notebook's cells, as written.
    from sagemaker_pyspark import IAMRole
    from sagemaker_pyspark.algorithms import XGBoostSageMakerEstimator

    xgboost_estimator = XGBoostSageMakerEstimator(
        sagemakerRole=IAMRole(role),
        trainingInstanceType="ml.m4.xlarge",
        trainingInstanceCount=1,
        endpointInstanceType="ml.m4.xlarge",
        endpointInitialInstanceCount=1,
    )

    xgboost_estimator.setEta(0.2)
    xgboost_estimator.setGamma(4)
    xgboost_estimator.setMinChildWeight(6)
    xgboost_estimator.setSilent(0)
    xgboost_estimator.setObjective("multi:softmax")
    xgboost_estimator.setNumClasses(10)
    xgboost_estimator.setNumRound(10)

    with caplog.at_level(logging.WARNING, logger="smspark.xgboost"):
        model = xgboost_estimator.fit(trainingData)
    try:
        transformedData = model.transform(testData)  # noqa: N806
        rows = transformedData.select("label", "prediction").collect()
        assert len(rows) == 100
        assert sum(r.label == r.prediction for r in rows) >= 80

        assert xgboost_estimator.imageVersion == "1.7-1"
        assert "silent=0 is sent as verbosity=1" in caplog.text
        job = local.client("sagemaker").describe_training_job(
            TrainingJobName=model.getNamePolicy().trainingJobName
        )
        sent = job["HyperParameters"]
        assert "silent" not in sent
        assert (sent["verbosity"], sent["objective"], sent["num_class"]) == (
            "1",
            "multi:softmax",
            "10",
        )
    finally:
        delete_endpoints(model)
