"""k-NN end to end on the local backend: the digits example (StandardScaler then k-NN,
accuracy beside scikit-learn's), a regressor on sparse vectors with its fitted pipeline
saved and loaded, the verbose answer (distances and labels) and ModelError for a request
of the wrong width from a hosted artifact, and a non-numeric label failing fit with the
training job's FailureReason."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from algorithm_helpers import ROLE, make_estimator
from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.feature import StandardScaler
from pyspark.ml.linalg import Vectors
from smspark_knn import KNNSageMakerEstimator, KNNVerboseResponseRowDeserializer

from smspark_core import EndpointCreationPolicy, SageMakerModel
from smspark_core.transformation.serializers import ProtobufRequestRowSerializer

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import knn_digits_pipeline as example  # noqa: E402
from smspark_local.session import delete_endpoints  # noqa: E402

pytestmark = pytest.mark.spark


def test_digits_example_matches_scikit_learn(local, spark):
    accuracy, reference = example.run(spark, 5, clientSpec=local.client_spec, pollSeconds=0.1)
    assert accuracy > 0.95
    assert abs(accuracy - reference) <= 0.01


def test_regressor_on_sparse_vectors_pipeline_saved_and_loaded(local, spark, tmp_path):
    rng = np.random.default_rng(4)
    rows = []
    for i in range(600):
        columns = sorted(rng.choice(40, size=4, replace=False).tolist())
        values = rng.uniform(0.5, 2.0, size=4)
        target = float(sum(v for c, v in zip(columns, values) if c < 10))  # first 10 matter
        rows.append((i, Vectors.sparse(40, columns, values.tolist()), target))
    frame = spark.createDataFrame(rows, ["id", "raw", "label"]).repartition(2)
    train, test = frame.randomSplit([0.8, 0.2], seed=3)
    knn = make_estimator(
        KNNSageMakerEstimator,
        local,
        uid="KNNSageMakerEstimator_e2e",
        endpointCreationPolicy=EndpointCreationPolicy.CREATE_ON_CONSTRUCT,
    )
    knn.setK(4).setSampleSize(300).setPredictorType("regressor").setIndexType("faiss.IVFFlat")
    knn.setMiniBatchSize(50)
    scale = StandardScaler(inputCol="raw", outputCol="features", withMean=False)
    model = Pipeline(stages=[scale, knn]).fit(train)
    try:
        job = local.client("sagemaker").describe_training_job(TrainingJobName=knn.latestTrainingJob)
        assert job["HyperParameters"]["feature_dim"] == "40"  # from the data
        assert job["HyperParameters"]["sample_size"] == "300"
        before = model.transform(test).select("id", "label", "predicted_label").orderBy("id")
        before = before.collect()
        assert len(before) == test.count()
        errors = np.array([r.predicted_label - r.label for r in before])
        spread = np.array([r.label for r in before])
        assert (errors**2).mean() < spread.var()  # better than the mean

        model.save(str(tmp_path / "fitted"))
        loaded = PipelineModel.load(str(tmp_path / "fitted"))
        stage, original = loaded.stages[-1], model.stages[-1]
        assert stage.uid == original.uid and stage.endpointName == original.endpointName
        after = loaded.transform(test).select("id", "label", "predicted_label").orderBy("id")
        assert after.collect() == before
    finally:
        delete_endpoints(model)


def test_verbose_answers_and_wrong_width_as_model_error(local, spark):
    points = [([0.0, 0.0, 1.0], 1.0), ([0.0, 0.0, 1.5], 1.0), ([5.0, 5.0, 0.0], 2.0),
              ([5.0, 4.0, 0.0], 2.0), ([0.0, 5.0, 5.0], 3.0), ([0.0, 4.0, 5.0], 3.0)]  # fmt: skip
    df = spark.createDataFrame(
        [(Vectors.dense(x), y) for x, y in points], ["features", "label"]
    ).coalesce(1)
    knn = make_estimator(KNNSageMakerEstimator, local)
    knn.setK(2).setSampleSize(100).setPredictorType("classifier")
    fitted = knn.fit(df)
    hosted = SageMakerModel.from_model_s3_path(
        fitted.getModelPath().to_s3_uri(),
        fitted.getModelImage(),
        ROLE,
        "ml.m5.large",
        1,
        ProtobufRequestRowSerializer(),
        KNNVerboseResponseRowDeserializer(accept="application/json"),
        clientSpec=local.client_spec,
        endpointPollSeconds=0.1,
    )
    try:
        queries = spark.createDataFrame(
            [(Vectors.dense([0.2, 0.0, 0.9]),), (Vectors.sparse(3, [0, 1], [5.0, 5.0]),)],
            ["features"],
        )
        rows = hosted.transform(queries).collect()
        assert [r.predicted_label for r in rows] == [1.0, 2.0]
        assert [r.labels.toArray().tolist() for r in rows] == [[1.0, 1.0], [2.0, 2.0]]
        np.testing.assert_allclose(rows[0].distances.toArray(), [0.05, 0.4], rtol=1e-5)
        np.testing.assert_allclose(rows[1].distances.toArray(), [0.0, 1.0], atol=1e-6)
        wide = spark.createDataFrame([(Vectors.dense([1.0, 2.0, 3.0, 4.0]),)], ["features"])
        with pytest.raises(Exception, match="ModelError.*expects 3"):
            hosted.transform(wide).collect()
    finally:
        delete_endpoints(hosted)


def test_a_non_numeric_label_fails_fit_with_the_reason(local, spark):
    """NaN reaches the training job, which fails naming the record; a text label is refused
    while staging, before any job (a CSV channel with text labels written by other means
    fails the job: see test_knn_container)."""
    nan = spark.createDataFrame(
        [(Vectors.dense([1.0, 0.0]), 1.0), (Vectors.dense([0.0, 1.0]), float("nan"))],
        ["features", "label"],
    ).coalesce(1)
    knn = make_estimator(KNNSageMakerEstimator, local)
    knn.setK(1).setSampleSize(10).setPredictorType("classifier")
    with pytest.raises(Exception, match="record 1 has label nan; the k-NN classifier needs"):
        knn.fit(nan)
    job = local.client("sagemaker").describe_training_job(TrainingJobName=knn.latestTrainingJob)
    assert job["TrainingJobStatus"] == "Failed"
    assert "numeric label on every record" in job["FailureReason"]
    text = spark.createDataFrame(
        [(Vectors.dense([1.0, 0.0]), "cat"), (Vectors.dense([0.0, 1.0]), "dog")],
        ["features", "label"],
    )
    with pytest.raises(Exception, match="label column .label. must be numeric"):
        make_estimator(KNNSageMakerEstimator, local).setK(1).setSampleSize(10).setPredictorType(
            "classifier"
        ).fit(text)
