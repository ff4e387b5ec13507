"""Everything a user does with smspark, over Spark Connect: a server started from pyspark's
own jars on 127.0.0.1 with no AWS settings in its environment (so executors reach the local
backend only through what smspark carries), and a client session in this process.

Nothing here passes ``clientSpec=``: the local backend installs its spec as the default,
which is what a notebook user relies on."""

from __future__ import annotations

import uuid

import numpy as np
import pytest
from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.evaluation import RegressionEvaluator
from pyspark.ml.feature import VectorAssembler
from pyspark.ml.linalg import Vectors
from pyspark.ml.tuning import CrossValidator, ParamGridBuilder
from smspark_local import LocalSageMaker

from smspark_core import EndpointCreationPolicy, IAMRole, S3DataPath, SageMakerModel
from smspark_core.estimator import SageMakerEstimator
from smspark_core.model import ERROR_COLUMN
from smspark_core.plugins import PluginHost, using_plugin_host
from smspark_core.plugins.specs import LocalImageSpec
from smspark_core.transformation.deserializers import XGBoostCSVRowDeserializer
from smspark_core.transformation.serializers import UnlabeledCSVRequestRowSerializer

pytestmark = pytest.mark.connect

ROLE = "arn:aws:iam::123456789012:role/smspark-test"
SUM_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/test-sum:1"
SUM = LocalImageSpec(
    "test-sum", train="smspark_testplugin.images:train", serve="smspark_testplugin.images:serve"
)
POLICIES = list(EndpointCreationPolicy)


@pytest.fixture(scope="module", autouse=True)
def plugin_host():
    with using_plugin_host(PluginHost(only=["kmeans"])) as host:
        yield host


@pytest.fixture(scope="module")
def local(connect_spark, plugin_host):
    """The backend, started after the Connect session as in a notebook."""
    with LocalSageMaker(images={"test-sum": SUM}, ping_timeout=60) as backend:
        yield backend


@pytest.fixture(scope="module")
def bucket(local):
    name = f"connect-{uuid.uuid4().hex[:8]}"
    local.client("s3").create_bucket(Bucket=name)
    return name


@pytest.fixture(scope="module")
def data(connect_spark):
    rng = np.random.default_rng(11)
    features = rng.integers(0, 9, size=(400, 4)).astype(float)
    rows = [(i, float(i % 2), Vectors.dense(f)) for i, f in enumerate(features)]
    return connect_spark.createDataFrame(rows, ["id", "label", "features"]).repartition(3), features


def _estimator(bucket, **kwargs):
    options = {
        "trainingInputS3DataPath": S3DataPath(bucket, "staging"),
        "trainingOutputS3DataPath": S3DataPath(bucket, "output"),
        "sagemakerRole": IAMRole(ROLE),
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


@pytest.fixture(scope="module")
def fitted(local, bucket, data):
    """One fit with the endpoint created on construct; the model and its artifact."""
    df, _ = data
    estimator = _estimator(
        bucket, endpointCreationPolicy=EndpointCreationPolicy.CREATE_ON_CONSTRUCT
    )
    model = estimator.fit(df.select("label", "features"))
    return estimator, model


def _check_predictions(result, features, weights):
    rows = sorted(result.collect(), key=lambda r: r.id)
    assert [r.id for r in rows] == list(range(len(features)))
    np.testing.assert_allclose([r.prediction for r in rows], features @ weights, rtol=1e-6)


def test_the_session_is_a_connect_client(connect_spark):
    assert type(connect_spark).__module__ == "pyspark.sql.connect.session"


@pytest.mark.parametrize("where", ["local", "s3"])
def test_data_source_round_trip(local, bucket, connect_spark, tmp_path, where):
    rows = [
        (float(i % 3), Vectors.dense([i, -i, 0.5]) if i % 2 else Vectors.sparse(3, [i % 3], [i]))
        for i in range(200)
    ]
    df = connect_spark.createDataFrame(rows, ["label", "features"]).repartition(3)
    path = (
        str(tmp_path / "parts") if where == "local" else f"s3://{bucket}/datasource/{uuid.uuid4()}"
    )
    df.write.format("sagemaker").mode("overwrite").save(path)
    df.write.format("sagemaker").mode("overwrite").save(path)  # overwrite replaces, not adds
    back = connect_spark.read.format("sagemaker").load(path)
    key = lambda r: (r.label, tuple(r.features.toArray()))  # noqa: E731
    assert sorted(back.collect(), key=key) == sorted(df.collect(), key=key)


def test_fit_of_the_base_estimator_with_a_custom_image(local, fitted, data):
    estimator, model = fitted
    df, features = data
    job = local.client("sagemaker").describe_training_job(
        TrainingJobName=estimator.latestTrainingJob
    )
    assert job["TrainingJobStatus"] == "Completed"
    assert job["FinalMetricDataList"][0]["Value"] == 400.0  # every row was staged
    _check_predictions(model.transform(df), features, features.mean(axis=0))


@pytest.mark.parametrize("fmt", ["csv", "libsvm", "parquet"])
def test_fit_stages_every_format(local, bucket, data, fmt):
    df, _ = data
    estimator = _estimator(bucket, trainingSparkDataFormat=fmt, trainingCompressionCodec="gzip")
    estimator.fit(df.select("label", "features"))
    job = local.client("sagemaker").describe_training_job(
        TrainingJobName=estimator.latestTrainingJob
    )
    assert job["FinalMetricDataList"][0]["Value"] == 400.0


def test_fit_of_an_algorithm_estimator(local, bucket, connect_spark):
    from smspark_kmeans import KMeansSageMakerEstimator

    rng = np.random.default_rng(3)
    centers = np.array([[0.0, 0.0], [10.0, 10.0]])
    points = np.vstack([c + rng.normal(0, 0.5, size=(100, 2)) for c in centers])
    df = connect_spark.createDataFrame([(Vectors.dense(p),) for p in points], ["features"])
    kmeans = KMeansSageMakerEstimator(
        sagemakerRole=IAMRole(ROLE),
        trainingInstanceType="ml.m5.large",
        trainingInstanceCount=1,
        endpointInstanceType="ml.m5.large",
        endpointInitialInstanceCount=1,
        trainingInputS3DataPath=S3DataPath(bucket, "kmeans-in"),
        trainingOutputS3DataPath=S3DataPath(bucket, "kmeans-out"),
        endpointCreationPolicy=EndpointCreationPolicy.CREATE_ON_TRANSFORM,
        pollSeconds=0.1,
    ).setK(2)
    model = kmeans.fit(df)
    try:
        rows = model.transform(df).collect()
        assert len(rows) == 200
        clusters = {tuple(np.round(r.features.toArray())): r.closest_cluster for r in rows}
        near_origin = {c for p, c in clusters.items() if abs(p[0]) < 4}
        far = {c for p, c in clusters.items() if abs(p[0]) >= 4}
        assert len(near_origin) == 1 and len(far) == 1 and near_origin != far
    finally:
        from smspark_core import SageMakerResourceCleanup

        SageMakerResourceCleanup(local.client("sagemaker")).deleteResources(
            model.getCreatedResources()
        )


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_transform_with_every_endpoint_creation_policy(local, fitted, data, policy):
    estimator, model = fitted
    df, features = data
    weights = features.mean(axis=0)
    if policy == EndpointCreationPolicy.DO_NOT_CREATE:
        hosted = SageMakerModel.from_endpoint(
            model.endpointName, UnlabeledCSVRequestRowSerializer(), XGBoostCSVRowDeserializer()
        )
    else:
        hosted = SageMakerModel.from_model_s3_path(
            model.getModelPath().to_s3_uri(),
            SUM_IMAGE,
            ROLE,
            "ml.m5.large",
            1,
            UnlabeledCSVRequestRowSerializer(),
            XGBoostCSVRowDeserializer(),
            endpointCreationPolicy=policy,
            endpointPollSeconds=0.1,
        )
        assert (hosted.endpointName is None) == (
            policy == EndpointCreationPolicy.CREATE_ON_TRANSFORM
        )
    _check_predictions(hosted.transform(df), features, weights)
    assert hosted.endpointName is not None


def test_fail_mode_names_the_endpoint(fitted, connect_spark):
    _, model = fitted
    bad = connect_spark.createDataFrame([(0, Vectors.dense([1.0, 2.0]))], ["id", "features"])
    with pytest.raises(Exception, match=f"endpoint {model.endpointName}: ModelError"):
        model.transform(bad).collect()


def test_column_mode_keeps_every_row(fitted, data, connect_spark):
    """50 rows have the wrong width, each in a request of its own: the model refuses those
    (ModelError, not retried), their rows get the error, every other row its prediction, and
    transformStats, observed over Connect, counts every request that failed."""
    _, model = fitted
    df, features = data
    bad = connect_spark.createDataFrame(
        [(1000 + i, Vectors.dense([1.0, 2.0])) for i in range(50)], ["id", "features"]
    )
    tolerant = SageMakerModel.from_endpoint(
        model.endpointName,
        UnlabeledCSVRequestRowSerializer(),
        XGBoostCSVRowDeserializer(),
        errorMode="column",
        maxRowsPerRequest=1,
    )
    frame = bad.unionByName(df.select("id", "features"))
    rows = tolerant.transform(frame).collect()
    assert sorted(r.id for r in rows) == [*range(400), *range(1000, 1050)]
    failed = [r for r in rows if r[ERROR_COLUMN]]
    assert sorted(r.id for r in failed) == list(range(1000, 1050))
    assert all(r.prediction is None and "ModelError" in r[ERROR_COLUMN] for r in failed)
    weights = features.mean(axis=0)
    for r in rows:
        if not r[ERROR_COLUMN]:
            assert r.prediction == pytest.approx(features[r.id] @ weights)
    stats = tolerant.transformStats
    assert (stats["requests"], stats["failed_requests"], stats["attempts"]) == (400, 50, 450)


def test_pipeline_model_saves_with_overwrite_and_loads(fitted, data, tmp_path):
    _, model = fitted
    df, features = data
    flat = df.selectExpr("id", "features", "id * 1.0 as extra")
    pipeline = PipelineModel(
        stages=[VectorAssembler(inputCols=["extra"], outputCol="extra_vector"), model]
    )
    path = str(tmp_path / "pipeline-model")
    pipeline.write().overwrite().save(path)
    pipeline.write().overwrite().save(path)  # over an existing save
    loaded = PipelineModel.load(path)
    restored = loaded.stages[1]
    assert isinstance(restored, SageMakerModel) and restored.endpointName == model.endpointName
    _check_predictions(loaded.transform(flat), features, features.mean(axis=0))
    model.write().overwrite().save(str(tmp_path / "stage"))
    model.write().overwrite().save(str(tmp_path / "stage"))
    assert SageMakerModel.load(str(tmp_path / "stage")).endpointName == model.endpointName


def test_pipeline_saves_with_overwrite_loads_and_fits(local, bucket, data, tmp_path):
    df, _ = data
    path = str(tmp_path / "pipeline")
    Pipeline(stages=[_estimator(bucket, trainingSparkDataFormat="csv")]).write().overwrite().save(
        path
    )
    Pipeline(stages=[_estimator(bucket)]).write().overwrite().save(path)
    loaded = Pipeline.load(path).getStages()[0]
    assert (
        isinstance(loaded, SageMakerEstimator)
        and loaded.getTrainingSparkDataFormat() == "sagemaker"
    )
    fitted = loaded.fit(df.select("label", "features"))
    assert fitted.getModelPath() is not None


def test_cross_validator_over_a_sagemaker_estimator(local, bucket, data):
    df, _ = data
    estimator = _estimator(
        bucket, endpointCreationPolicy=EndpointCreationPolicy.CREATE_ON_TRANSFORM
    )
    validator = CrossValidator(
        estimator=estimator,
        estimatorParamMaps=ParamGridBuilder().build(),
        evaluator=RegressionEvaluator(labelCol="label", predictionCol="prediction"),
        numFolds=2,
    )
    fitted = validator.fit(df.select("label", "features"))
    assert len(fitted.avgMetrics) == 1 and fitted.avgMetrics[0] > 0


@pytest.mark.parametrize("script", ["digits_codec_roundtrip.py", "kmeans_digits.py"])
def test_examples_run_over_connect_from_installed_packages(connect_url, script, tmp_path):
    from algorithm_helpers import run_example

    args = ["--output", str(tmp_path)] if script == "kmeans_digits.py" else []
    result = run_example(script, *args, SMSPARK_REMOTE=connect_url)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "MISMATCH" not in result.stdout
    if script == "kmeans_digits.py":
        assert (
            "transform: 373 held-out rows" in result.stdout and "deleted endpoint" in result.stdout
        )
