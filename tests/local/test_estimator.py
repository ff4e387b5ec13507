"""SageMakerEstimator.fit end to end on the local backend, with a custom (bring-your-own)
image: staging in every format, the training job, cleanup, and the model it returns."""

from __future__ import annotations

import numpy as np
import pytest
from local_helpers import ROLE, SUM_IMAGE, unique
from pyspark.ml.linalg import Vectors

from smspark_core.aws.jobs import TrainingJobFailed
from smspark_core.aws.resources import (
    EndpointCreationPolicy,
    IAMRole,
    IAMRoleFromConfig,
    S3AutoCreatePath,
    S3DataPath,
)
from smspark_core.estimator import SageMakerEstimator
from smspark_core.transformation.deserializers import XGBoostCSVRowDeserializer
from smspark_core.transformation.serializers import UnlabeledCSVRequestRowSerializer

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def data(spark):
    rng = np.random.default_rng(8)
    features = rng.integers(0, 9, size=(600, 4)).astype(float)
    rows = [(float(i % 2), Vectors.dense(f), i) for i, f in enumerate(features)]
    return spark.createDataFrame(rows, ["label", "features", "id"]).repartition(3), features


@pytest.fixture(scope="module")
def bucket(clients):
    name = unique("fit")
    clients["s3"].create_bucket(Bucket=name)
    return name


def _estimator(local, bucket, **kwargs):
    options = {
        "trainingInputS3DataPath": S3DataPath(bucket, "staging"),
        "trainingOutputS3DataPath": S3DataPath(bucket, "output"),
        "sagemakerRole": IAMRole(ROLE),
        "clientSpec": local.client_spec,
        "pollSeconds": 0.1,
        "endpointCreationPolicy": EndpointCreationPolicy.DO_NOT_CREATE,
        **kwargs,
    }
    return SageMakerEstimator(
        SUM_IMAGE,
        SUM_IMAGE,
        "ml.m5.large",
        1,
        "ml.m5.large",
        1,
        UnlabeledCSVRequestRowSerializer(),
        XGBoostCSVRowDeserializer(),
        hyperParameters={"feature_dim": "4"},
        **options,
    )


def _staged_keys(clients, bucket):
    listing = clients["s3"].list_objects_v2(Bucket=bucket, Prefix="staging/")
    return [item["Key"] for item in listing.get("Contents", [])]


def test_fit_trains_hosts_and_predicts(local, clients, bucket, data):
    df, features = data
    estimator = _estimator(
        local, bucket, endpointCreationPolicy=EndpointCreationPolicy.CREATE_ON_CONSTRUCT
    )
    model = estimator.fit(df)
    job = clients["sagemaker"].describe_training_job(TrainingJobName=estimator.latestTrainingJob)
    assert job["HyperParameters"] == {"feature_dim": "4"}
    assert job["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3DataType"] == "S3Prefix"
    assert job["OutputDataConfig"]["S3OutputPath"] == (
        f"s3://{bucket}/output/{estimator.latestTrainingJob}"
    )
    assert _staged_keys(clients, bucket) == []  # staging removed
    rows = sorted(model.transform(df).collect(), key=lambda r: r.id)
    weights = features.mean(axis=0)
    np.testing.assert_allclose([r.prediction for r in rows], features @ weights, rtol=1e-6)
    assert model.getCreatedResources().endpointName == model.endpointName


@pytest.mark.parametrize(
    "fmt, compression, manifest",
    [
        ("csv", "gzip", False),
        ("libsvm", None, True),
        ("parquet", None, False),
        ("sagemaker", "gzip", True),
    ],
)
def test_every_staging_format(local, clients, bucket, data, fmt, compression, manifest):
    df, features = data
    estimator = _estimator(
        local,
        bucket,
        trainingSparkDataFormat=fmt,
        trainingCompressionCodec=compression,
        trainingManifest=manifest,
    )
    model = estimator.fit(df)
    job = clients["sagemaker"].describe_training_job(TrainingJobName=estimator.latestTrainingJob)
    channel = job["InputDataConfig"][0]
    assert channel["DataSource"]["S3DataSource"]["S3DataType"] == (
        "ManifestFile" if manifest else "S3Prefix"
    )
    assert channel.get("CompressionType") == ("Gzip" if compression else None)
    assert job["FinalMetricDataList"][0]["Value"] == 600.0
    assert model.getModelPath().to_s3_uri() == job["ModelArtifacts"]["S3ModelArtifacts"]
    assert _staged_keys(clients, bucket) == []


@pytest.mark.parametrize("fmt", ["csv", "sagemaker"])
def test_columns_named_with_dots_are_staged(local, clients, bucket, data, fmt):
    df, _ = data
    dotted = df.toDF("my.label", "my.features", "id")
    estimator = _estimator(
        local,
        bucket,
        trainingSparkDataFormat=fmt,
        trainingSparkDataFormatOptions={
            "labelColumnName": "my.label",
            "featuresColumnName": "my.features",
        },
    )
    estimator.fit(dotted)
    job = clients["sagemaker"].describe_training_job(TrainingJobName=estimator.latestTrainingJob)
    assert job["FinalMetricDataList"][0]["Value"] == 600.0


def test_a_failed_job_raises_and_still_removes_staging(local, clients, bucket, data):
    df, _ = data
    estimator = _estimator(local, bucket)
    estimator.setHyperParameters({**estimator.getHyperParameters(), "fail": "true"})
    with pytest.raises(TrainingJobFailed, match="requested failure"):
        estimator.fit(df)
    assert _staged_keys(clients, bucket) == []


def test_missing_role_fails_before_any_upload(local, clients, bucket, data):
    df, _ = data
    estimator = _estimator(local, bucket, sagemakerRole=IAMRoleFromConfig("no.such.key"))
    with pytest.raises(Exception, match="no IAM role in the Spark conf key 'no.such.key'"):
        estimator.fit(df)
    assert estimator.latestTrainingJob is None and _staged_keys(clients, bucket) == []


def test_auto_created_bucket_is_private_and_encrypted(local, clients, data):
    df, _ = data
    estimator = _estimator(
        local,
        "unused",
        trainingInputS3DataPath=S3AutoCreatePath(),
        trainingOutputS3DataPath=S3AutoCreatePath(),
    )
    estimator.fit(df)
    bucket = "123456789012-sagemaker-us-east-1"
    s3 = clients["s3"]
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    estimator.fit(df)  # the bucket already exists and is ours: fine


def test_copies_fit_with_a_param_map(local, bucket, data):
    df, _ = data
    estimator = _estimator(local, bucket)
    twin = estimator.copy()
    assert twin.uid == estimator.uid and twin is not estimator
    assert twin.fit(df, {}).getModelImage() == SUM_IMAGE


def test_ctrl_c_during_fit_stops_the_job_and_removes_staging(
    local, clients, bucket, data, monkeypatch
):
    from smspark_core.aws import jobs

    df, _ = data
    real_poll = jobs.LogFollower.poll

    def interrupted(self):
        lines = real_poll(self)
        if any(line.startswith("hyperparameters") for line in lines):
            raise KeyboardInterrupt
        return lines

    monkeypatch.setattr(jobs.LogFollower, "poll", interrupted)
    estimator = _estimator(local, bucket)
    estimator.setHyperParameters({**estimator.getHyperParameters(), "sleep_seconds": "60"})
    with pytest.raises(KeyboardInterrupt):
        estimator.fit(df)
    job = clients["sagemaker"].describe_training_job(TrainingJobName=estimator.latestTrainingJob)
    assert job["TrainingJobStatus"] in ("Stopping", "Stopped")
    assert _staged_keys(clients, bucket) == []


def test_an_unfitted_pipeline_saves_loads_and_fits(local, clients, bucket, data, tmp_path):
    from pyspark.ml import Pipeline

    df, _ = data
    estimator = _estimator(local, bucket, trainingSparkDataFormat="csv", retryDeadlineSeconds=42.5)
    Pipeline(stages=[estimator]).write().overwrite().save(str(tmp_path / "pipeline"))
    loaded = Pipeline.load(str(tmp_path / "pipeline")).getStages()[0]
    assert isinstance(loaded, SageMakerEstimator) and loaded.uid == estimator.uid
    assert loaded.getTrainingInputS3DataPath() == S3DataPath(bucket, "staging")
    assert loaded.getSagemakerRole() == IAMRole(ROLE)
    assert type(loaded.getRequestRowSerializer()) is UnlabeledCSVRequestRowSerializer
    assert loaded.getTrainingSparkDataFormat() == "csv" and loaded.getHyperParameters() == {
        "feature_dim": "4"
    }
    fitted = loaded.fit(df)
    assert fitted.getModelImage() == SUM_IMAGE
    assert fitted.getRetryDeadlineSeconds() == 42.5  # the model it returns has it


def test_cross_validator_fits_copies(local, bucket, data):
    from pyspark.ml.evaluation import RegressionEvaluator
    from pyspark.ml.tuning import CrossValidator, ParamGridBuilder

    df, _ = data
    # CrossValidator fits from a thread pool; staging does not depend on the data source
    # registration, which Spark 4.1 does not see from those threads.
    estimator = _estimator(
        local, bucket, endpointCreationPolicy=EndpointCreationPolicy.CREATE_ON_TRANSFORM
    )
    # Stage settings are Params: a grid may vary them like any other.
    grid = (
        ParamGridBuilder()
        .addGrid(estimator.trainingInstanceType, ["ml.m5.large", "ml.c5.xlarge"])
        .addGrid(estimator.maxConcurrency, [1, 3])
        .build()
    )
    validator = CrossValidator(
        estimator=estimator,
        estimatorParamMaps=grid,
        evaluator=RegressionEvaluator(labelCol="label", predictionCol="prediction"),
        numFolds=2,
        parallelism=1,
    )
    fitted = validator.fit(df.select("label", "features"))
    assert len(fitted.avgMetrics) == 4 and all(metric > 0 for metric in fitted.avgMetrics)
    best = fitted.bestModel
    assert best.getMaxConcurrency() in (1, 3)
    jobs = local.client("sagemaker").list_training_jobs(MaxResults=100)["TrainingJobSummaries"]
    types = {
        local.client("sagemaker").describe_training_job(TrainingJobName=job["TrainingJobName"])[
            "ResourceConfig"
        ]["InstanceType"]
        for job in jobs[:10]
    }
    assert {"ml.m5.large", "ml.c5.xlarge"} <= types  # the grid reached CreateTrainingJob


def test_production_training_options_are_accepted_end_to_end(local, clients, bucket, data):
    df, _ = data
    estimator = _estimator(
        local,
        bucket,
        tags={"team": "ml"},
        vpcConfig={"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1"]},
        enableNetworkIsolation=True,
        trainingEnvironment={"OMP_NUM_THREADS": "1"},
        maximumRetryAttempts=2,
        keepAlivePeriodInSeconds=60,
    )
    estimator.fit(df)
    job = clients["sagemaker"].describe_training_job(TrainingJobName=estimator.latestTrainingJob)
    assert job["TrainingJobStatus"] == "Completed"
    assert job["EnableNetworkIsolation"] is True
    assert job["Environment"] == {"OMP_NUM_THREADS": "1"}
