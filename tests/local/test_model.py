"""SageMakerModel end to end: Spark DataFrames through endpoints of the local backend."""

from __future__ import annotations

import numpy as np
import pytest
from local_helpers import ROLE, SUM_IMAGE, start_job, wait_job
from py4j.protocol import Py4JError
from pyspark.ml.linalg import Vectors, VectorUDT
from pyspark.sql import functions as F
from pyspark.sql.types import LongType, StructField, StructType

from smspark_core.aws.resources import (
    CreatedResources,
    EndpointCreationPolicy,
    SageMakerResourceCleanup,
    SageMakerSparkSDKException,
)
from smspark_core.model import ERROR_COLUMN, SageMakerModel
from smspark_core.transformation import arrow_transport
from smspark_core.transformation.deserializers import XGBoostCSVRowDeserializer
from smspark_core.transformation.serializers import UnlabeledCSVRequestRowSerializer

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def artifact(clients, training_data):
    job = wait_job(clients, start_job(clients, training_data))
    return job["ModelArtifacts"]["S3ModelArtifacts"]


def _model(artifact, **kwargs):
    return SageMakerModel.from_model_s3_path(
        artifact,
        SUM_IMAGE,
        ROLE,
        "ml.m5.large",
        1,
        UnlabeledCSVRequestRowSerializer(),
        XGBoostCSVRowDeserializer(),
        endpointPollSeconds=0.1,
        **kwargs,
    )


@pytest.fixture(scope="module")
def model(local, artifact):
    return _model(artifact, clientSpec=local.client_spec)


@pytest.fixture(scope="module")
def frame(spark):
    rng = np.random.default_rng(5)
    features = rng.integers(-20, 20, size=(3000, 3)).astype(float)
    rows = [(i, Vectors.dense(f)) for i, f in enumerate(features)]
    return spark.createDataFrame(rows, ["id", "features"]).repartition(4), features


def _check(result, features):
    rows = sorted(result.collect(), key=lambda r: r.id)
    assert [r.id for r in rows] == list(range(len(features)))
    np.testing.assert_array_equal([r.prediction for r in rows], 2 * features.sum(axis=1))


def test_create_on_construct_and_transform(model, frame):
    df, features = frame
    created = model.getCreatedResources()
    assert created.modelName and created.endpointConfigName and created.endpointName
    result = model.transform(df)
    assert result.columns == ["id", "features", "prediction"]
    _check(result, features)


def test_every_row_once_under_throttling_5xx_and_latency(local, model, frame):
    df, features = frame
    local.set_faults(model.endpointName, throttle_rate=0.3, error_rate=0.1, latency_ms=5, seed=3)
    try:
        _check(model.transform(df), features)
    finally:
        local.clear_faults(model.endpointName)
    stats = model.transformStats
    print(f"under 30% throttling and 10% 5xx: {stats}")
    causes = stats["retries_by_cause"]
    assert causes["throttling"] > 0 and causes["server_error"] > 0
    assert stats["retries"] == sum(causes.values())
    assert stats["attempts"] == stats["requests"] + stats["retries"]
    assert stats["requests"] >= 4 and stats["partitions"] == 4
    assert stats["failed_requests"] == 0 and stats["task_retries"] == 0


@pytest.mark.parametrize("concurrency", [1, 4])
def test_requests_in_flight_are_measured_and_bounded(local, model, frame, concurrency):
    """With 20 ms per request and 30 requests per partition, the partitions really keep
    maxConcurrency requests outstanding, and never more."""
    df, features = frame
    variant = model.copy()
    variant.setMaxRowsPerRequest(25).setMaxConcurrency(concurrency)
    local.set_faults(model.endpointName, latency_ms=20)
    try:
        _check(variant.transform(df), features)
    finally:
        local.clear_faults(model.endpointName)
    assert variant.transformStats["peak_in_flight"] == concurrency


def test_every_row_once_when_the_model_server_is_killed_mid_transform(local, model, frame):
    import threading

    df, features = frame
    local.set_faults(model.endpointName, latency_ms=20)
    killer = threading.Timer(1.0, local.kill_model_server, args=(model.endpointName, 0))
    try:
        small = model.copy()
        small.setMaxRowsPerRequest(50)
        killer.start()
        _check(small.transform(df), features)
    finally:
        killer.join()
        local.clear_faults(model.endpointName)
    print(f"with a killed model server: {small.transformStats}")
    assert small.transformStats["requests"] >= 60


def test_from_endpoint_never_reports_the_endpoint_as_created(local, model, frame):
    df, features = frame
    borrowed = SageMakerModel.fromEndpoint(
        model.endpointName,
        UnlabeledCSVRequestRowSerializer(),
        XGBoostCSVRowDeserializer(),
        clientSpec=local.client_spec,
    )
    assert borrowed.getCreatedResources() == CreatedResources()
    SageMakerResourceCleanup(local.client("sagemaker")).deleteResources(
        borrowed.getCreatedResources()
    )
    _check(borrowed.transform(df), features)  # the endpoint is still there


def test_copy_uses_the_endpoint_without_owning_it(model, frame):
    df, features = frame
    twin = model.copy()
    assert twin.endpointName == model.endpointName
    assert twin.getCreatedResources() == CreatedResources()
    _check(twin.transform(df), features)


def test_create_on_transform_creates_at_the_first_transform(local, artifact, frame):
    df, features = frame
    lazy = _model(
        artifact,
        endpointCreationPolicy=EndpointCreationPolicy.CREATE_ON_TRANSFORM,
        clientSpec=local.client_spec,
    )
    assert lazy.endpointName is None
    twin = lazy.copy()  # keeps its policy: it can still create its own endpoint
    _check(lazy.transform(df), features)
    assert lazy.getCreatedResources().endpointName == lazy.endpointName
    assert twin.getEndpointCreationPolicy() == EndpointCreationPolicy.CREATE_ON_TRANSFORM


def test_policy_and_endpoint_errors(local, artifact, frame):
    df, _ = frame
    with pytest.raises(ValueError, match="must be DO_NOT_CREATE if creating an SageMakerModel"):
        SageMakerModel(
            None,
            None,
            UnlabeledCSVRequestRowSerializer(),
            XGBoostCSVRowDeserializer(),
            existingEndpointName="e",
            clientSpec=local.client_spec,
        )
    with pytest.raises(ValueError, match="must not be DO_NOT_CREATE"):
        _model(artifact, endpointCreationPolicy=EndpointCreationPolicy.DO_NOT_CREATE)
    idle = SageMakerModel(
        "ml.m5.large",
        1,
        UnlabeledCSVRequestRowSerializer(),
        XGBoostCSVRowDeserializer(),
        endpointCreationPolicy=EndpointCreationPolicy.DO_NOT_CREATE,
        clientSpec=local.client_spec,
    )
    with pytest.raises(ValueError, match="Endpoint name is empty"):
        idle.transform(df)


def test_a_failed_endpoint_is_removed_and_says_why(local, artifact):
    with pytest.raises(SageMakerSparkSDKException, match="creating endpoint .* failed") as raised:
        SageMakerModel.from_model_s3_path(
            artifact,
            "1.dkr.ecr.x/unknown-image:1",
            ROLE,
            "ml.m5.large",
            1,
            UnlabeledCSVRequestRowSerializer(),
            XGBoostCSVRowDeserializer(),
            endpointPollSeconds=0.1,
            clientSpec=local.client_spec,
        )
    assert "no local image for '1.dkr.ecr.x/unknown-image:1'" in str(raised.value)
    assert raised.value.createdResources == CreatedResources()  # all removed again
    assert len(raised.value.removedResources) == 3


def _mixed_vectors(spark):
    """Dense and sparse features, and a second vector column with nulls and empty vectors."""
    schema = StructType(
        [
            StructField("id", LongType()),
            StructField("features", VectorUDT()),
            StructField("extra", VectorUDT()),
        ]
    )
    rows = [
        (
            i,
            Vectors.dense([i, 1.0, -2.0]) if i % 2 else Vectors.sparse(3, [1], [float(i)]),
            [None, Vectors.dense([]), Vectors.sparse(5, [4], [1.0])][i % 3],
        )
        for i in range(300)
    ]
    return spark.createDataFrame(rows, schema).repartition(3)


@pytest.mark.parametrize("unwrap", ["UnwrapUDT", "unavailable"])
def test_vector_columns_come_back_exactly_as_they_were(model, spark, monkeypatch, unwrap):
    """Vectors cross to Python in the fast layout (or, without UnwrapUDT, as UDTs) and the
    returned columns equal the input ones, down to the stored struct (exceptAll)."""
    if unwrap == "unavailable":
        monkeypatch.setattr(arrow_transport, "unwrapped_vector", _no_unwrap)
    df = _mixed_vectors(spark)
    result = model.transform(df)
    inputs = result.select(*df.columns)
    assert inputs.exceptAll(df).count() == 0 and df.exceptAll(inputs).count() == 0
    for row in result.collect():
        assert row.prediction == 2 * sum(row.features.toArray())


def test_column_names_with_dots_go_through(model, spark):
    """pyspark's mapInArrow cannot address ``user.id`` itself; transform can."""
    df = spark.createDataFrame([(7, Vectors.dense([1.0, 2.0, 3.0]))], ["user.id", "features"])
    result = model.transform(df)
    assert result.columns == ["user.id", "features", "prediction"]
    assert [tuple(r) for r in result.collect()] == [(7, Vectors.dense([1.0, 2.0, 3.0]), 12.0)]


@pytest.mark.skipif(not hasattr(F, "arrow_udf"), reason="Spark 4.0 has no Arrow UDFs")
def test_columns_the_serializer_does_not_read_stay_on_the_jvm(model, spark):
    """Only ``features`` goes to Python: a column no Arrow batch can carry (a calendar
    interval, which mapInArrow refuses) comes back untouched beside the prediction."""
    df = spark.createDataFrame([(7, Vectors.dense([1.0, 2.0, 3.0]))], ["id", "features"])
    df = df.withColumn("every", F.expr("make_interval(0, 0, 0, 1)"))
    result = model.transform(df)
    assert result.columns == ["id", "features", "every", "prediction"]
    row = result.select("id", "prediction", F.col("every").cast("string")).first()
    assert tuple(row) == (7, 12.0, "1 days")


def _no_unwrap(df, name):
    raise Py4JError("no UnwrapUDT")


def test_model_errors_fail_the_job_naming_the_endpoint(local, model, spark):
    bad = spark.createDataFrame([(0, Vectors.dense([1.0, 2.0]))], ["id", "features"])
    with pytest.raises(Exception, match=f"endpoint {model.endpointName}: ModelError"):
        model.transform(bad).collect()


def test_column_error_mode_keeps_the_rows(local, artifact, frame, spark):
    """The first request's 100 rows have two features where the model expects three: the
    model refuses it (ModelError, not retried), its rows get null predictions and the error,
    every other row its prediction, and transformStats counts the request that failed."""
    _, features = frame
    rows = [(i, Vectors.dense(f[:2] if i < 100 else f)) for i, f in enumerate(features.tolist())]
    df = spark.createDataFrame(rows, ["id", "features"]).coalesce(1)
    tolerant = _model(
        artifact,
        errorMode="column",
        clientSpec=local.client_spec,
        maxRowsPerRequest=100,
        maxConcurrency=1,
    )
    result = tolerant.transform(df).collect()
    assert len(result) == 3000
    failed = [r for r in result if r[ERROR_COLUMN]]
    assert sorted(r.id for r in failed) == list(range(100))
    assert all(r.prediction is None and "ModelError" in r[ERROR_COLUMN] for r in failed)
    good = [r for r in result if not r[ERROR_COLUMN]]
    assert all(r.prediction == 2 * sum(features[r.id]) for r in good)
    stats = tolerant.transformStats
    assert stats["failed_requests"] == 1 and stats["requests"] == 29 and stats["retries"] == 0


def test_a_fitted_pipeline_saves_and_loads_and_reuses_the_endpoint(
    local, model, frame, spark, tmp_path
):
    from pyspark.ml import PipelineModel
    from pyspark.ml.feature import VectorAssembler

    df, features = frame
    flat = df.selectExpr("id", "features", "id * 1.0 as extra")
    assembler = VectorAssembler(inputCols=["extra"], outputCol="extra_vector")
    pipeline = PipelineModel(stages=[assembler, model])
    pipeline.write().overwrite().save(str(tmp_path / "pipeline"))
    metadata = (tmp_path / "pipeline" / "stages").glob("1_*/metadata/part-*")
    text = next(metadata).read_text()
    assert '"requestRowSerializer":{"name":"unlabeled-csv"' in text
    assert "secret" not in text.lower()
    loaded = PipelineModel.load(str(tmp_path / "pipeline"))
    restored = loaded.stages[1]
    assert isinstance(restored, SageMakerModel)
    assert restored.endpointName == model.endpointName
    assert restored.getCreatedResources() == model.getCreatedResources()
    rows = sorted(loaded.transform(flat).collect(), key=lambda r: r.id)
    np.testing.assert_array_equal([r.prediction for r in rows], 2 * features.sum(axis=1))


def test_from_training_job(local, clients, training_data, frame):
    df, features = frame
    job = wait_job(clients, start_job(clients, training_data))["TrainingJobName"]
    args = (
        SUM_IMAGE,
        ROLE,
        "ml.m5.large",
        1,
        UnlabeledCSVRequestRowSerializer(),
        XGBoostCSVRowDeserializer(),
    )
    with pytest.raises(ValueError, match="must not be DO_NOT_CREATE to create an endpoint from a"):
        SageMakerModel.fromTrainingJob(
            job,
            *args,
            endpointCreationPolicy=EndpointCreationPolicy.DO_NOT_CREATE,
            clientSpec=local.client_spec,
        )
    running = start_job(clients, training_data, hyperparameters={"sleep_seconds": "30"})
    with pytest.raises(ValueError, match="with status Completed or Stopped, not status InProgress"):
        SageMakerModel.from_training_job(running, *args, clientSpec=local.client_spec)
    clients["sagemaker"].stop_training_job(TrainingJobName=running)
    hosted = SageMakerModel.from_training_job(
        job,
        *args,
        clientSpec=local.client_spec,
        endpointPollSeconds=0.1,
        prependResultRows=False,
    )
    result = hosted.transform(df.coalesce(1).orderBy("id"))
    assert result.columns == ["prediction"]  # without prepend: the predictions only
    predictions = [r.prediction for r in result.collect()]
    assert sorted(predictions) == sorted(2 * features.sum(axis=1))


def test_the_retry_deadline_is_a_setting_that_survives_save_and_load(local, model, spark, tmp_path):
    """retryDeadlineSeconds bounds the retries of every request, also after a save and load:
    under 503s that never stop, a request gives up at the deadline with an error saying so."""
    impatient = SageMakerModel.from_endpoint(
        model.endpointName,
        UnlabeledCSVRequestRowSerializer(),
        XGBoostCSVRowDeserializer(),
        clientSpec=local.client_spec,
        retryDeadlineSeconds=0.5,
    )
    impatient.write().overwrite().save(str(tmp_path / "model"))
    loaded = SageMakerModel.load(str(tmp_path / "model"))
    assert loaded.getRetryDeadlineSeconds() == 0.5
    one_row = spark.createDataFrame([(0, Vectors.dense([1.0, 2.0, 3.0]))], ["id", "features"])
    local.set_faults(model.endpointName, fail_next=10**6)
    try:
        with pytest.raises(Exception, match="retry deadline of 0.5 s reached after"):
            loaded.transform(one_row).collect()
    finally:
        local.clear_faults(model.endpointName)
