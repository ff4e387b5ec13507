"""k-means end to end on the local backend: a Pipeline with a native Spark stage, the
fitted pipeline saved and loaded, metrics of a test channel, hosting an artifact made by
hand in the MXNet layout, and the sagemaker_pyspark README example with only its imports
changed."""

from __future__ import annotations

import io
import tarfile
import uuid

import numpy as np
import pytest
from algorithm_helpers import ROLE, digits_libsvm, make_estimator, run_example
from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.feature import StandardScaler
from pyspark.ml.linalg import Vectors
from sklearn.datasets import load_digits
from smspark_kmeans import KMeansProtobufResponseRowDeserializer, KMeansSageMakerEstimator

from smspark_core import EndpointCreationPolicy, SageMakerModel, SageMakerResourceCleanup
from smspark_core.codecs import amazon_record, mxnet_ndarray
from smspark_core.transformation.serializers import ProtobufRequestRowSerializer


def estimator(local=None, **kwargs) -> KMeansSageMakerEstimator:
    return make_estimator(KMeansSageMakerEstimator, local, **kwargs)


pytestmark = pytest.mark.spark


def digits():
    x, y = load_digits(return_X_y=True)
    return x.astype(np.float64), y


@pytest.fixture(scope="module")
def digits_frame(spark):
    x, y = digits()
    rows = [(i, Vectors.dense(f), float(t)) for i, (f, t) in enumerate(zip(x, y))]
    return spark.createDataFrame(rows, ["id", "pixels", "label"]).repartition(2)


def test_pipeline_fit_transform_save_load(local, spark, digits_frame, tmp_path):
    train, test = digits_frame.randomSplit([0.8, 0.2], seed=3)
    kmeans = estimator(
        local, endpointCreationPolicy=EndpointCreationPolicy.CREATE_ON_CONSTRUCT
    ).setK(10)
    pipeline = Pipeline(
        stages=[StandardScaler(inputCol="pixels", outputCol="features", withMean=True), kmeans]
    )
    model = pipeline.fit(train)
    sagemaker_model = model.stages[-1]
    try:
        job = local.client("sagemaker").describe_training_job(
            TrainingJobName=kmeans.latestTrainingJob
        )
        assert job["HyperParameters"]["feature_dim"] == "64"  # taken from the data
        assert job["HyperParameters"]["k"] == "10"

        predicted = model.transform(test).select("id", "label", "closest_cluster").toPandas()
        expected_ids = sorted(r.id for r in test.select("id").collect())
        assert sorted(predicted["id"]) == expected_ids  # every row once
        assert set(predicted["closest_cluster"]) <= set(range(10))
        purity = (
            predicted.groupby("closest_cluster")["label"].agg(lambda s: s.value_counts().iloc[0])
        ).sum() / len(predicted)
        assert purity > 0.5

        path = str(tmp_path / "fitted")
        model.save(path)
        loaded = PipelineModel.load(path)
        assert loaded.stages[-1].endpointName == sagemaker_model.endpointName
        again = loaded.transform(test).select("id", "closest_cluster").toPandas()
        assert (
            again.sort_values("id")["closest_cluster"].tolist()
            == predicted.sort_values("id")["closest_cluster"].tolist()
        )
    finally:
        SageMakerResourceCleanup(sagemaker_model.sagemakerClient).deleteResources(
            sagemaker_model.getCreatedResources()
        )


def test_more_clusters_than_rows_is_refused_before_any_training_job(local, spark):
    """Staging counts the rows; k above that count is refused before CreateTrainingJob, and
    the staged data is removed (nothing is left in the staging bucket)."""
    frame = spark.createDataFrame(
        [(Vectors.dense([float(i), 1.0]),) for i in range(5)], ["features"]
    ).repartition(2)
    sagemaker, s3 = local.client("sagemaker"), local.client("s3")
    bucket = "123456789012-sagemaker-us-east-1"  # where S3AutoCreatePath stages

    def staged():
        listed = s3.list_objects_v2(Bucket=bucket) if _has_bucket(s3, bucket) else {}
        return {o["Key"] for o in listed.get("Contents", [])}

    jobs, before = sagemaker.list_training_jobs()["TrainingJobSummaries"], staged()
    kmeans = estimator(local).setK(6)
    refused = r"^k=6 is greater than the number of training rows \(5\): k-means cannot find"
    with pytest.raises(ValueError, match=refused):
        kmeans.fit(frame)
    assert sagemaker.list_training_jobs()["TrainingJobSummaries"] == jobs
    assert staged() == before and kmeans.latestTrainingJob is None


def _has_bucket(s3, bucket: str) -> bool:
    return bucket in {b["Name"] for b in s3.list_buckets()["Buckets"]}


def test_test_channel_metrics_reach_describe_training_job(local):
    s3, sagemaker = local.client("s3"), local.client("sagemaker")
    bucket = f"metrics-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    x, _ = digits()
    for channel, rows in (("train", x), ("test", x[:200])):
        s3.put_object(
            Bucket=bucket, Key=f"{channel}/a.pbr", Body=amazon_record.dense_records(rows).tobytes()
        )
    name = f"metrics-{uuid.uuid4().hex[:8]}"
    sagemaker.create_training_job(
        TrainingJobName=name,
        RoleArn=ROLE,
        AlgorithmSpecification={
            "TrainingImage": estimator().getTrainingImage(),
            "TrainingInputMode": "File",
        },
        HyperParameters={"k": "10", "feature_dim": "64", "eval_metrics": "[msd, ssd]"},
        InputDataConfig=[
            {
                "ChannelName": channel,
                "DataSource": {
                    "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/{channel}"}
                },
            }
            for channel in ("train", "test")
        ],
        OutputDataConfig={"S3OutputPath": f"s3://{bucket}/out"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
        StoppingCondition={"MaxRuntimeInSeconds": 300},
    )
    waiter = sagemaker.get_waiter("training_job_completed_or_stopped")
    waiter.wait(TrainingJobName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 600})
    job = sagemaker.describe_training_job(TrainingJobName=name)
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    metrics = {m["MetricName"]: m["Value"] for m in job["FinalMetricDataList"]}
    # The test channel's eval_metrics, and the training rows' msd and progress (the service's).
    assert set(metrics) == {"test:msd", "test:ssd", "train:msd", "train:progress"}
    assert metrics["train:progress"] == 100.0
    assert metrics["test:ssd"] == pytest.approx(200 * metrics["test:msd"], rel=1e-4)


def test_hosts_an_artifact_made_by_hand_in_the_mxnet_layout(local, spark):
    """What the AWS notebook "kmeans_bring_your_own_model" does: centroids from elsewhere,
    saved with mx.nd.save, tarred and hosted with the k-means image."""
    centroids = np.array([[0.0, 0.0], [10.0, 10.0], [-5.0, 5.0]], dtype=np.float32)
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        data = mxnet_ndarray.dumps([centroids])
        info = tarfile.TarInfo("model_algo-1")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    bucket = f"byom-{uuid.uuid4().hex[:8]}"
    s3 = local.client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="model.tar.gz", Body=archive.getvalue())

    model = SageMakerModel.from_model_s3_path(
        f"s3://{bucket}/model.tar.gz",
        estimator().getModelImage(),
        ROLE,
        "ml.m5.large",
        1,
        ProtobufRequestRowSerializer(),
        KMeansProtobufResponseRowDeserializer(accept="application/jsonlines"),
        clientSpec=local.client_spec,
        endpointPollSeconds=0.1,
    )
    try:
        df = spark.createDataFrame(
            [
                (Vectors.dense([9.0, 9.0]),),
                (Vectors.sparse(2, [0, 1], [-4.0, 4.0]),),
                (Vectors.dense([0.0, 1.0]),),
            ],
            ["features"],
        )
        rows = model.transform(df).collect()
        assert [r.closest_cluster for r in rows] == [1.0, 2.0, 0.0]
        assert [r.distance_to_cluster for r in rows] == pytest.approx(
            [np.sqrt(2), np.sqrt(2), 1.0], rel=1e-6
        )
    finally:
        SageMakerResourceCleanup(model.sagemakerClient).deleteResources(model.getCreatedResources())


def test_sagemaker_pyspark_readme_example_runs_with_only_imports_changed(local, tmp_path):
    data = digits_libsvm(tmp_path / "digits.libsvm")
    result = run_example("port_sagemaker_pyspark_kmeans.py", str(data))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "distance_to_cluster|closest_cluster" in result.stdout.replace(" ", "")
    assert "only showing top 20 rows" in result.stdout
