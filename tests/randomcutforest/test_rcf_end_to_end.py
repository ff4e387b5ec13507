"""Random Cut Forest end to end on the local backend: the transactions example (scores for
every row, the test channel's metrics, the picture, Pipeline and PipelineModel saved and
loaded), sparse training with a test channel (both channels in the request, both removed
after), CSV training giving the same forest as RecordIO-protobuf, bad requests surfacing as
ModelError with the container's message, and bad test labels failing fit with the job's
FailureReason."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import numpy as np
import pytest
from algorithm_helpers import ROLE, make_estimator
from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.feature import StandardScaler
from pyspark.ml.linalg import Vectors
from smspark_randomcutforest import RandomCutForestSageMakerEstimator

from smspark_core import EndpointCreationPolicy, S3DataPath, SageMakerModel
from smspark_core.transformation.serializers import ProtobufRequestRowSerializer

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import rcf_transactions as example  # noqa: E402
from smspark_local.session import delete_endpoints  # noqa: E402

pytestmark = pytest.mark.spark


def test_transactions_example(local, spark, tmp_path):
    found = example.run(spark, 6000, tmp_path, clientSpec=local.client_spec, pollSeconds=0.1)
    assert found["rows"] == 6000  # every row scored once
    assert found["auc"] > 0.95
    assert found["reloaded_same"] is True
    assert {"test:f1", "test:precision", "test:recall", "test:accuracy"} <= set(found)
    # The three-sigma labels catch every fraud of the test rows, and some long-tailed
    # ordinary rows with them (the heuristic's limit: AWS, Tune an RCF Model).
    assert found["test:recall"] == 1.0 and 0 < found["test:f1"] <= 1
    picture = (tmp_path / "score_vs_amount.png").read_bytes()
    assert picture.startswith(b"\x89PNG\r\n\x1a\n") and len(picture) > 500


def _points(spark, rows=1500, seed=3):
    """Sparse 12-wide rows of a few clusters, 1% far off (label 1), a third marked test."""
    rng = np.random.default_rng(seed)
    data = []
    for i in range(rows):
        odd = i % 100 == 0
        columns = sorted(rng.choice(12, size=4, replace=False).tolist())
        values = rng.normal(8.0 if odd else 1.0, 0.3 if not odd else 2.0, size=4)
        data.append((i, Vectors.sparse(12, columns, values.tolist()), float(odd), i % 3 == 0))
    return spark.createDataFrame(data, ["id", "raw", "label", "is_test"]).repartition(2)


def test_sparse_training_with_a_test_channel_pipeline_saved_and_loaded(local, spark, tmp_path):
    bucket = "rcf-e2e"
    local.client("s3").create_bucket(Bucket=bucket)
    frame = _points(spark)
    rcf = make_estimator(
        RandomCutForestSageMakerEstimator,
        local,
        uid="RandomCutForestSageMakerEstimator_e2e",
        endpointCreationPolicy=EndpointCreationPolicy.CREATE_ON_CONSTRUCT,
        trainingInputS3DataPath=S3DataPath(bucket, "staging"),
        testIndicatorColumnName="is_test",
    )
    rcf.setNumTrees(50).setNumSamplesPerTree(128)
    scale = StandardScaler(inputCol="raw", outputCol="features", withMean=False)
    model = Pipeline(stages=[scale, rcf]).fit(frame)
    try:
        sagemaker = local.client("sagemaker")
        job = sagemaker.describe_training_job(TrainingJobName=rcf.latestTrainingJob)
        assert job["HyperParameters"] == {
            "feature_dim": "12",  # from the data
            "num_trees": "50",
            "num_samples_per_tree": "128",
        }
        channels = {c["ChannelName"]: c for c in job["InputDataConfig"]}
        assert set(channels) == {"train", "test"}
        distribution = {
            name: c["DataSource"]["S3DataSource"]["S3DataDistributionType"]
            for name, c in channels.items()
        }
        assert distribution == {"train": "ShardedByS3Key", "test": "FullyReplicated"}
        assert channels["test"]["ContentType"] == "application/x-recordio-protobuf"
        metrics = {m["MetricName"]: m["Value"] for m in job["FinalMetricDataList"]}
        assert metrics["test:f1"] > 0.8 and metrics["test:recall"] == 1.0
        left = local.client("s3").list_objects_v2(Bucket=bucket, Prefix="staging/")
        assert left.get("KeyCount", 0) == 0  # both channels' staged data removed

        before = model.transform(frame).select("id", "label", "score").orderBy("id").collect()
        assert [r.id for r in before] == list(range(1500))
        odd = [r.score for r in before if r.label == 1]
        ordinary = [r.score for r in before if r.label == 0]
        assert min(odd) > np.percentile(ordinary, 99)

        model.save(str(tmp_path / "fitted"))
        loaded = PipelineModel.load(str(tmp_path / "fitted"))
        stage, original = loaded.stages[-1], model.stages[-1]
        assert stage.uid == original.uid and stage.endpointName == original.endpointName
        after = loaded.transform(frame).select("id", "label", "score").orderBy("id")
        assert after.collect() == before
    finally:
        delete_endpoints(model)


def test_csv_training_gives_the_same_forest_as_recordio(local, spark):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(800, 5))
    frame = spark.createDataFrame(
        [(i, Vectors.dense(row.tolist()), 0.0) for i, row in enumerate(x)],
        ["id", "features", "label"],
    ).coalesce(1)
    scores = []
    for fmt in ("sagemaker", "csv"):
        rcf = make_estimator(
            RandomCutForestSageMakerEstimator,
            local,
            trainingSparkDataFormat=fmt,
            endpointCreationPolicy=EndpointCreationPolicy.CREATE_ON_CONSTRUCT,
        ).setNumTrees(50)
        model = rcf.fit(frame)
        try:
            job = local.client("sagemaker").describe_training_job(
                TrainingJobName=rcf.latestTrainingJob
            )
            content_type = job["InputDataConfig"][0].get("ContentType")
            assert content_type == {"sagemaker": None, "csv": "text/csv;label_size=1"}[fmt]
            rows = model.transform(frame).select("id", "score").orderBy("id").collect()
            scores.append([r.score for r in rows])
        finally:
            delete_endpoints(model)
    np.testing.assert_allclose(scores[1], scores[0], rtol=1e-6)


def test_bad_requests_surface_as_model_error_with_the_containers_message(local, spark):
    frame = spark.createDataFrame(
        [(Vectors.dense(np.random.default_rng(i).normal(size=3).tolist()),) for i in range(200)],
        ["features"],
    ).coalesce(1)
    fitted = make_estimator(RandomCutForestSageMakerEstimator, local).setNumTrees(50).fit(frame)
    hosted = SageMakerModel.from_model_s3_path(
        fitted.getModelPath().to_s3_uri(),
        fitted.getModelImage(),
        ROLE,
        "ml.m5.large",
        1,
        ProtobufRequestRowSerializer(),
        fitted.getResponseRowDeserializer(),
        clientSpec=local.client_spec,
        endpointPollSeconds=0.1,
    )
    try:
        good = spark.createDataFrame([(Vectors.dense([0.0, 0.1, -0.2]),)], ["features"])
        assert hosted.transform(good).collect()[0].score > 0
        wide = spark.createDataFrame([(Vectors.dense([1.0, 2.0, 3.0, 4.0]),)], ["features"])
        with pytest.raises(
            Exception, match="ModelError.*row 0 has 4 features, the model expects 3"
        ):
            hosted.transform(wide).collect()
        nan = spark.createDataFrame([(Vectors.dense([1.0, float("nan"), 3.0]),)], ["features"])
        with pytest.raises(Exception, match="ModelError.*NaN or infinite"):
            hosted.transform(nan).collect()
        runtime = local.client("sagemaker-runtime")
        with pytest.raises(Exception, match="ModelError.*not numeric") as raised:
            runtime.invoke_endpoint(
                EndpointName=hosted.endpointName,
                Body=b"1,two,3\n",
                ContentType="text/csv",
                Accept="application/json",
            )
        assert raised.value.response["OriginalStatusCode"] == 400
    finally:
        delete_endpoints(hosted)


def test_a_bad_test_label_fails_fit_with_the_reason(local, spark, caplog):
    rows = [
        (Vectors.dense([float(i % 7), float(i % 5)]), float(i % 3), i % 4 == 0) for i in range(120)
    ]
    frame = spark.createDataFrame(rows, ["features", "label", "is_test"]).coalesce(1)
    rcf = make_estimator(
        RandomCutForestSageMakerEstimator, local, testIndicatorColumnName="is_test"
    )
    with pytest.raises(Exception, match="has label 2.0; labels must be 1 \\(anomaly\\) or 0"):
        rcf.setNumTrees(50).fit(frame)
    job = local.client("sagemaker").describe_training_job(TrainingJobName=rcf.latestTrainingJob)
    assert job["TrainingJobStatus"] == "Failed"
    assert "labels must be 1 (anomaly) or 0 (normal)" in job["FailureReason"]

    unmarked = frame.withColumn("is_test", frame.is_test & (frame.label > 5))  # no test row
    with caplog.at_level(logging.WARNING, logger="smspark.randomcutforest"):
        rcf.fit(unmarked)
    assert "no row has is_test true: the training job gets no test channel" in caplog.text
    job = local.client("sagemaker").describe_training_job(TrainingJobName=rcf.latestTrainingJob)
    assert [c["ChannelName"] for c in job["InputDataConfig"]] == ["train"]
    assert job["TrainingJobStatus"] == "Completed"
