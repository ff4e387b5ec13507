"""XGBoost end to end on the local backend: the sagemaker_pyspark README example with only
its imports changed, a VectorAssembler pipeline saved and loaded, multi:softprob vectors,
and hosting an artifact trained outside smspark."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import xgboost as xgb
from algorithm_helpers import digits_libsvm, make_estimator, run_example
from pyspark.ml import PipelineModel
from pyspark.ml.feature import VectorAssembler
from pyspark.ml.linalg import Vectors
from sklearn.datasets import load_diabetes, load_digits
from smspark_xgboost import XGBoostSageMakerEstimator

from smspark_core import EndpointCreationPolicy

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "examples"))
import xgboost_pipelines as example  # noqa: E402
from smspark_local.session import delete_endpoints  # noqa: E402


def estimator(local=None, **kwargs) -> XGBoostSageMakerEstimator:
    return make_estimator(XGBoostSageMakerEstimator, local, **kwargs)


pytestmark = pytest.mark.spark


def test_vector_assembler_pipeline_saved_and_loaded(local, spark, tmp_path):
    frame, columns = example.breast_cancer_frame(spark)
    train, test = frame.repartition(2).randomSplit([0.8, 0.2], seed=3)
    model = example.assembler_pipeline(columns, clientSpec=local.client_spec, pollSeconds=0.1).fit(
        train
    )
    try:
        out = model.transform(test).select("label", "prediction").toPandas()
        assert len(out) == test.count()
        accuracy = ((out.prediction > 0.5) == (out.label == 1)).mean()
        assert accuracy > 0.9
        model.save(str(tmp_path / "pipeline"))
        loaded = PipelineModel.load(str(tmp_path / "pipeline"))
        again = loaded.transform(test).select("prediction").toPandas()
        np.testing.assert_allclose(again.prediction, out.prediction)
    finally:
        delete_endpoints(model)


def test_softprob_gives_a_probability_vector_per_row(local, spark):
    x, y = load_digits(return_X_y=True)
    rows = [(float(t), Vectors.dense(f)) for f, t in zip(x[:600], y[:600])]
    df = spark.createDataFrame(rows, ["label", "features"]).repartition(2)
    xgboost = estimator(local, endpointCreationPolicy=EndpointCreationPolicy.CREATE_ON_CONSTRUCT)
    xgboost.setObjective("multi:softprob").setNumClasses(10).setNumRound(10)
    model = xgboost.fit(df)
    try:
        out = model.transform(df.limit(50)).select("label", "probabilities").collect()
        assert len(out) == 50
        assert all(len(r.probabilities) == 10 for r in out)
        assert all(abs(sum(r.probabilities) - 1) < 1e-5 for r in out)
        assert np.mean([np.argmax(r.probabilities) == r.label for r in out]) > 0.8
    finally:
        delete_endpoints(model)


def test_hosting_a_model_trained_outside_smspark(local, spark):
    uri = "s3://outside-models/diabetes/model.tar.gz"
    x_test, y_test = example.model_trained_elsewhere(uri)
    hosted = example.host(uri, clientSpec=local.client_spec, endpointPollSeconds=0.1)
    try:
        df = spark.createDataFrame([(Vectors.dense(r),) for r in x_test], ["features"])
        predicted = [r.prediction for r in hosted.transform(df).collect()]
        x, y = load_diabetes(return_X_y=True)
        reference = xgb.train(
            {"objective": "reg:squarederror", "max_depth": 3},
            xgb.DMatrix(x[:350], label=y[:350]),
            50,
        )
        np.testing.assert_allclose(predicted, reference.predict(xgb.DMatrix(x_test)), atol=1e-4)
    finally:
        delete_endpoints(hosted)


def test_sagemaker_pyspark_readme_example_runs_with_only_imports_changed(local, tmp_path):
    data = digits_libsvm(tmp_path / "digits.libsvm")
    result = run_example("port_sagemaker_pyspark_xgboost.py", str(data))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "|prediction|" in result.stdout.replace(" ", "")


@pytest.mark.parametrize("fmt", ["csv", "parquet", "sagemaker"])
def test_dense_training_formats(local, spark, fmt):
    """Each selectable format stages, trains under its content type and serves dense rows."""
    frame, columns = example.breast_cancer_frame(spark)
    assembled = VectorAssembler(inputCols=columns, outputCol="features").transform(frame)
    data = assembled.select("label", "features").repartition(2)
    xgboost = estimator(
        local,
        trainingSparkDataFormat=fmt,
        endpointCreationPolicy=EndpointCreationPolicy.CREATE_ON_CONSTRUCT,
    )
    xgboost.setObjective("binary:logistic").setNumRound(10)
    model = xgboost.fit(data)
    try:
        job = local.client("sagemaker").describe_training_job(
            TrainingJobName=xgboost.latestTrainingJob
        )
        assert job["InputDataConfig"][0]["ContentType"] == xgboost.getTrainingContentType()
        out = model.transform(data).select("label", "prediction").toPandas()
        assert ((out.prediction > 0.5) == (out.label == 1)).mean() > 0.95
    finally:
        delete_endpoints(model)
