"""SageMakerBatchTransformer end to end on the local backend: every row's prediction exactly
once and in input order (1, 2 and 8 partitions, a partition over several mini-batches),
the same answers as endpoint transform, a failing job, Ctrl-C, cleanup, validation before
any call, an empty DataFrame and persistence inside a Pipeline."""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pytest
from botocore.exceptions import ClientError
from local_helpers import ROLE, SUM_IMAGE, start_job, unique, wait_job
from pyspark.errors import PythonException
from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.functions import array_to_vector
from pyspark.sql import functions as F

from smspark_core.aws import jobs
from smspark_core.aws.jobs import TransformJobFailed
from smspark_core.aws.resources import EndpointCreationPolicy, SageMakerResourceCleanup
from smspark_core.batch_transform import SageMakerBatchTransformer
from smspark_core.executor.batch_io import BatchReadBackError
from smspark_core.model import SageMakerModel
from smspark_core.transformation.deserializers import XGBoostCSVRowDeserializer
from smspark_core.transformation.serializers import UnlabeledCSVRequestRowSerializer

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def training_job(clients, training_data):
    """A test-sum model trained on rows whose feature means are [2, 2, 2]."""
    name = start_job(clients, training_data)
    assert wait_job(clients, name)["TrainingJobStatus"] == "Completed"
    return name


@pytest.fixture(scope="module")
def artifact(clients, training_job):
    return clients["sagemaker"].describe_training_job(TrainingJobName=training_job)[
        "ModelArtifacts"
    ]["S3ModelArtifacts"]


@pytest.fixture(scope="module")
def bucket(clients):
    name = unique("batch")
    clients["s3"].create_bucket(Bucket=name)
    return name


@pytest.fixture(scope="module")
def model_name(clients, artifact):
    """A SageMaker model made outside the stage (faults can be set on it by name)."""
    name = unique("given")
    clients["sagemaker"].create_model(
        ModelName=name,
        ExecutionRoleArn=ROLE,
        PrimaryContainer={"Image": SUM_IMAGE, "ModelDataUrl": artifact},
    )
    return name


def _stage(local, bucket, artifact, **params):
    return SageMakerBatchTransformer.from_model_s3_path(
        artifact,
        SUM_IMAGE,
        ROLE,
        UnlabeledCSVRequestRowSerializer(),
        XGBoostCSVRowDeserializer(),
        clientSpec=local.client_spec,
        instanceType="ml.m5.large",
        stagingS3Uri=f"s3://{bucket}/staging",
        pollSeconds=0.1,
        **params,
    )


def _frame(spark, rows, partitions):
    """ids 0..rows-1 in order over ``partitions`` partitions, features [id, 1, 0]."""
    df = spark.range(0, rows, 1, numPartitions=partitions)
    features = array_to_vector(F.array(F.col("id").cast("double"), F.lit(1.0), F.lit(0.0)))
    return df.withColumn("features", features)


def _keys(clients, bucket, prefix="staging/"):
    listed = clients["s3"].list_objects_v2(Bucket=bucket, Prefix=prefix)
    return [item["Key"] for item in listed.get("Contents", [])]


def _check_in_order(result, rows):
    collected = result.collect()
    assert [r.id for r in collected] == list(range(rows))  # once each, in input order
    assert [r.prediction for r in collected] == [2.0 * (r.id + 1) for r in collected]


@pytest.mark.parametrize("partitions", [1, 2, 8])
def test_every_row_once_in_input_order(spark, local, clients, bucket, artifact, partitions):
    stage = _stage(local, bucket, artifact, maxConcurrentTransforms=2)
    result = stage.transform(_frame(spark, 500, partitions))
    assert result.columns == ["id", "features", "prediction"]
    _check_in_order(result, 500)
    created = stage.getCreatedResources()
    job = clients["sagemaker"].describe_transform_job(TransformJobName=created.transformJobName)
    assert job["TransformJobStatus"] == "Completed"
    assert job["TransformInput"]["SplitType"] == "Line"
    assert job["TransformOutput"]["AssembleWith"] == "Line"
    assert job["BatchStrategy"] == "MultiRecord" and job["MaxPayloadInMB"] == 6
    assert set(stage.timings) == {"staging", "job", "read_back", "cleanup"}


def test_a_partition_over_several_mini_batches(spark, local, clients, bucket, artifact):
    """1.5 MB of CSV in one partition at MaxPayloadInMB=1: two or more requests."""
    stage = _stage(local, bucket, artifact, maxPayloadInMB=1)
    _check_in_order(stage.transform(_frame(spark, 100_000, 1)), 100_000)
    job_name = stage.getCreatedResources().transformJobName
    logs = clients["logs"]
    streams = logs.describe_log_streams(
        logGroupName="/aws/sagemaker/TransformJobs", logStreamNamePrefix=f"{job_name}/"
    )["logStreams"]
    data_log = next(s["logStreamName"] for s in streams if s["logStreamName"].endswith("data-log"))
    events = logs.get_log_events(
        logGroupName="/aws/sagemaker/TransformJobs", logStreamName=data_log, startFromHead=True
    )["events"]
    batches = [e["message"] for e in events if "mini-batches" in e["message"]]
    assert len(batches) == 1 and int(batches[0].split(": ")[2].split()[0]) >= 2


def test_same_predictions_as_the_endpoint(spark, local, training_job, bucket):
    endpoint_model = SageMakerModel.from_training_job(
        training_job,
        SUM_IMAGE,
        ROLE,
        "ml.m5.large",
        1,
        UnlabeledCSVRequestRowSerializer(),
        XGBoostCSVRowDeserializer(),
        clientSpec=local.client_spec,
        endpointPollSeconds=0.1,
    )
    random_features = F.array(F.rand(1) * 10, F.lit(0.5), F.col("id").cast("double"))
    # rand() is not deterministic across evaluations: checkpoint it, as the docs advise.
    df = (
        _frame(spark, 300, 3)
        .withColumn("features", array_to_vector(random_features))
        .localCheckpoint()
    )
    through_endpoint = endpoint_model.transform(df).collect()
    stage = SageMakerBatchTransformer.from_model(
        endpoint_model, stagingS3Uri=f"s3://{bucket}/staging", pollSeconds=0.1
    )
    through_batch = stage.transform(df).collect()
    assert through_batch == through_endpoint
    by_job = SageMakerBatchTransformer.from_training_job(
        training_job,
        SUM_IMAGE,
        ROLE,
        UnlabeledCSVRequestRowSerializer(),
        XGBoostCSVRowDeserializer(),
        clientSpec=local.client_spec,
        instanceType="ml.m5.large",
        stagingS3Uri=f"s3://{bucket}/staging",
        pollSeconds=0.1,
    )
    assert by_job.transform(df).collect() == through_endpoint
    SageMakerResourceCleanup(endpoint_model.sagemakerClient).delete_resources(
        endpoint_model.getCreatedResources()
    )


def test_an_existing_model_by_name_is_used_and_kept(spark, local, clients, bucket, model_name):
    stage = SageMakerBatchTransformer.from_model_name(
        model_name,
        UnlabeledCSVRequestRowSerializer(),
        XGBoostCSVRowDeserializer(),
        clientSpec=local.client_spec,
        instanceType="ml.m5.large",
        stagingS3Uri=f"s3://{bucket}/staging",
        pollSeconds=0.1,
        prependResultRows=False,
    )
    result = stage.transform(_frame(spark, 10, 2))
    assert result.columns == ["prediction"]
    assert [r.prediction for r in result.collect()] == [2.0 * (i + 1) for i in range(10)]
    assert stage.getCreatedResources().modelName is None
    clients["sagemaker"].describe_model(ModelName=model_name)  # still there


def test_cleanup_removes_staging_and_the_created_model(spark, local, clients, bucket, artifact):
    stage = _stage(local, bucket, artifact)
    stage.transform(_frame(spark, 20, 2))
    created = stage.getCreatedResources()
    assert created.modelName and created.transformJobName
    assert created.inputS3Uri.endswith(f"{created.transformJobName}/input")
    assert set(created.deleted) == {
        created.inputS3Uri,
        created.outputS3Uri,
        created.fingerprintsS3Uri,
        created.modelName,
    }
    assert created.notDeleted == () and created.cleanupErrors == () and created.kept == ()
    assert _keys(clients, bucket, f"staging/{created.transformJobName}") == []
    with pytest.raises(ClientError, match="Could not find model"):
        clients["sagemaker"].describe_model(ModelName=created.modelName)


def test_staged_data_can_be_kept(spark, local, clients, bucket, artifact):
    stage = _stage(local, bucket, artifact, deleteStagingDataAfterTransform=False)
    stage.transform(_frame(spark, 20, 2)).collect()
    created = stage.getCreatedResources()
    keys = _keys(clients, bucket, f"staging/{created.transformJobName}/")
    inputs = [k for k in keys if "/input/" in k]
    outputs = [k for k in keys if "/output/" in k]
    assert len(inputs) == 2 and sorted(outputs) == sorted(
        k.replace("/input/", "/output/") + ".out" for k in inputs
    )
    assert created.kept == (created.inputS3Uri, created.outputS3Uri)
    assert created.deleted == (created.fingerprintsS3Uri, created.modelName)


def test_a_failed_job_raises_with_reason_job_and_partition(spark, local, clients, bucket, artifact):
    good = _frame(spark, 40, 2)
    # One row with two features: the model answers 400 for its mini-batch.
    bad = good.withColumn(
        "features",
        F.when(F.col("id") == 27, array_to_vector(F.array(F.lit(1.0), F.lit(2.0)))).otherwise(
            F.col("features")
        ),
    )
    stage = _stage(local, bucket, artifact, batchStrategy="SingleRecord", invocationsMaxRetries=0)
    with pytest.raises(TransformJobFailed) as raised:
        stage.transform(bad)
    message = str(raised.value)
    created = stage.getCreatedResources()
    assert f"transform job {created.transformJobName} ended Failed" in message
    assert "row 0 has 2 features, the model expects 3" in message  # the container's answer
    assert "records 7-7" in message and "holds partition 1 (20 rows" in message
    assert "last log lines:" in message
    assert _keys(clients, bucket, f"staging/{created.transformJobName}") == []
    assert created.modelName in created.deleted


def test_ctrl_c_stops_the_job_and_cleans_up(spark, local, clients, bucket, model_name, monkeypatch):
    local.set_faults(model_name, latency_ms=2000)
    polled = []

    def interrupted(self):
        polled.append(self.job_name)
        raise KeyboardInterrupt

    monkeypatch.setattr(jobs.LogFollower, "poll", interrupted)
    stage = SageMakerBatchTransformer.from_model_name(
        model_name,
        UnlabeledCSVRequestRowSerializer(),
        XGBoostCSVRowDeserializer(),
        clientSpec=local.client_spec,
        instanceType="ml.m5.large",
        stagingS3Uri=f"s3://{bucket}/staging",
        pollSeconds=0.1,
        batchStrategy="SingleRecord",
    )
    try:
        with pytest.raises(KeyboardInterrupt):
            stage.transform(_frame(spark, 10, 1))
    finally:
        local.clear_faults(model_name)
    name = stage.getCreatedResources().transformJobName
    assert polled == [name]
    job = clients["sagemaker"].describe_transform_job(TransformJobName=name)
    assert job["TransformJobStatus"] in ("Stopping", "Stopped")
    assert _keys(clients, bucket, f"staging/{name}") == []


def test_settings_are_checked_before_any_call(spark, local, clients, bucket, artifact):
    with pytest.raises(ValueError, match="instanceType 'ml.tiny' is not a Batch Transform"):
        _stage(local, bucket, artifact).setInstanceType("ml.tiny")
    with pytest.raises(ValueError, match="maxPayloadInMB must be 0..100, got 101"):
        _stage(local, bucket, artifact, maxPayloadInMB=101)
    with pytest.raises(ValueError, match="batchStrategy must be one of MultiRecord"):
        _stage(local, bucket, artifact).setBatchStrategy("Everything")
    with pytest.raises(TypeError, match="expected an integer"):
        _stage(local, bucket, artifact).setInstanceCount(True)
    with pytest.raises(TypeError, match="has no Param 'instanceTyp'"):
        _stage(local, bucket, artifact, instanceTyp="ml.m5.large")
    before = _keys(clients, bucket)
    stage = _stage(local, bucket, artifact, maxConcurrentTransforms=20, maxPayloadInMB=6)
    with pytest.raises(ValueError, match="maxConcurrentTransforms × maxPayloadInMB"):
        stage.transform(_frame(spark, 5, 1))
    unset = SageMakerBatchTransformer.from_model_s3_path(
        "s3://b/m.tar.gz",
        SUM_IMAGE,
        ROLE,
        UnlabeledCSVRequestRowSerializer(),
        XGBoostCSVRowDeserializer(),
        clientSpec=local.client_spec,
    )
    with pytest.raises(ValueError, match="instanceType is not set"):
        unset.transform(_frame(spark, 5, 1))
    assert _keys(clients, bucket) == before


def test_an_empty_dataframe_creates_no_job(spark, local, bucket, artifact):
    stage = _stage(local, bucket, artifact)
    result = stage.transform(_frame(spark, 0, 2))
    assert result.columns == ["id", "features", "prediction"] and result.count() == 0
    created = stage.getCreatedResources()
    assert created.transformJobName is None and created.modelName is None


def test_persistence_inside_a_pipeline(spark, local, bucket, artifact, tmp_path):
    from pyspark.ml.feature import VectorAssembler

    df = spark.range(0, 30, 1, numPartitions=3).select(
        "id",
        F.col("id").cast("double").alias("a"),
        F.lit(1.0).alias("b"),
        F.lit(0.0).alias("c"),
    )
    stage = _stage(local, bucket, artifact, maxConcurrentTransforms=3, tags={"team": "ml"})
    pipeline = Pipeline(
        stages=[VectorAssembler(inputCols=["a", "b", "c"], outputCol="features"), stage]
    )
    fitted = pipeline.fit(df)
    fitted.write().overwrite().save(str(tmp_path / "pipeline"))
    loaded = PipelineModel.load(str(tmp_path / "pipeline"))
    twin = loaded.stages[1]
    assert isinstance(twin, SageMakerBatchTransformer) and twin.uid == stage.uid
    assert twin.getMaxConcurrentTransforms() == 3 and twin.getTags() == {"team": "ml"}
    assert twin.getModelPath() == artifact and twin.getInstanceType() == "ml.m5.large"
    assert type(twin.getRequestRowSerializer()) is UnlabeledCSVRequestRowSerializer
    expected = [2.0 * (i + 1) for i in range(30)]
    assert [r.prediction for r in loaded.transform(df).collect()] == expected
    assert [r.prediction for r in fitted.transform(df).collect()] == expected
    saved = (tmp_path / "pipeline" / "stages").glob("*SageMakerBatchTransformer*/metadata/part-*")
    text = "".join(path.read_text() for path in saved if path.is_file())
    assert "smspark-local-secret" not in text and ROLE in text


def test_from_a_fitted_model_without_endpoint(spark, local, bucket, artifact):
    model = SageMakerModel.from_model_s3_path(
        artifact,
        SUM_IMAGE,
        ROLE,
        "ml.m5.large",
        1,
        UnlabeledCSVRequestRowSerializer(),
        XGBoostCSVRowDeserializer(),
        endpointCreationPolicy=EndpointCreationPolicy.CREATE_ON_TRANSFORM,
        clientSpec=local.client_spec,
    )
    stage = SageMakerBatchTransformer.from_model(
        model, stagingS3Uri=f"s3://{bucket}/staging", pollSeconds=0.1
    )
    assert stage.getModelImage() == SUM_IMAGE and stage.getModelPath() == artifact
    _check_in_order(stage.transform(_frame(spark, 50, 2)), 50)
    assert model.endpointName is None  # no endpoint was made


class DropsTheFirstPrediction(XGBoostCSVRowDeserializer):
    """A deserializer that loses a row: the read-back must refuse it, not shift."""

    def deserialize_batch(self, body):
        return super().deserialize_batch(body).slice(1)


def test_a_prediction_count_mismatch_names_the_part_and_both_counts(spark, local, bucket, artifact):
    import sys

    from pyspark import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the class goes to executors
    stage = SageMakerBatchTransformer.from_model_s3_path(
        artifact,
        SUM_IMAGE,
        ROLE,
        UnlabeledCSVRequestRowSerializer(),
        DropsTheFirstPrediction(),
        clientSpec=local.client_spec,
        instanceType="ml.m5.large",
        stagingS3Uri=f"s3://{bucket}/staging",
        pollSeconds=0.1,
    )
    with pytest.raises(BatchReadBackError) as raised:
        stage.transform(_frame(spark, 20, 2))
    # The executor's error itself, not Spark's PythonException around it.
    assert re.fullmatch(
        r"part s3://\S+/output/part-0000\d-\w+\.csv\.out \(partition \d\) holds 9 "
        r"predictions for 10 staged rows",
        str(raised.value),
    )
    assert isinstance(raised.value.__cause__, PythonException)
    assert stage.getCreatedResources().inputS3Uri in stage.getCreatedResources().deleted


def test_data_capture_writes_manifests_and_inference_ids(
    spark, local, clients, bucket, artifact, caplog
):
    """DataCaptureConfig as the service documents it: input and output manifests under
    yyyy/mm/dd/hh prefixes, and with GenerateInferenceId an id and the job start time for
    every record, which the stage gives back as two columns beside the predictions."""
    import json
    import logging
    import re

    stage = _stage(
        local,
        bucket,
        artifact,
        dataCaptureDestinationS3Uri=f"s3://{bucket}/capture",
        generateInferenceId=True,
    )
    with caplog.at_level(logging.INFO, logger="smspark.jobs"):
        result = stage.transform(_frame(spark, 300, 3))
    assert result.columns == [
        "id",
        "features",
        "prediction",
        "SageMakerInferenceId",
        "SageMakerInferenceTime",
    ]
    _check_in_order(result, 300)
    rows = result.collect()
    assert len({r.SageMakerInferenceId for r in rows}) == 300  # one fresh id per record
    assert all(re.fullmatch(r"[0-9a-f-]{36}", r.SageMakerInferenceId) for r in rows)
    assert len({r.SageMakerInferenceTime for r in rows}) == 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", rows[0].SageMakerInferenceTime)

    keys = _keys(clients, bucket, "capture/")
    assert sorted(k.split("/")[1] for k in keys) == ["input", "output"]
    assert all(
        re.fullmatch(r"capture/(input|output)/\d{4}/\d\d/\d\d/\d\d/.+\.jsonl", k) for k in keys
    )
    manifests = {
        k.split("/")[1]: json.loads(clients["s3"].get_object(Bucket=bucket, Key=k)["Body"].read())
        for k in keys
    }
    created = stage.getCreatedResources()
    assert manifests["input"][0] == {"prefix": f"{created.inputS3Uri}/"}
    assert manifests["output"][0] == {"prefix": f"{created.outputS3Uri}/"}
    assert [f"{name}.out" for name in manifests["input"][1:]] == manifests["output"][1:]
    assert len(manifests["input"]) == 1 + 3  # one object per partition
    # DescribeTransformJob has no progress field: the watch reports the parts written.
    assert any("3 of 3 parts written" in record.getMessage() for record in caplog.records)


def test_inference_ids_need_a_line_format(spark, local, bucket, artifact):
    stage = _stage(
        local,
        bucket,
        artifact,
        dataCaptureDestinationS3Uri=f"s3://{bucket}/capture",
        generateInferenceId=True,
        assembleWith="None",
    )
    with pytest.raises(ValueError, match="generateInferenceId needs line-assembled CSV"):
        stage.transform(_frame(spark, 10, 1))


def test_a_missing_transform_job_is_a_validation_exception(clients):
    """As moto and the service answer (botocore models ResourceNotFound, which SageMaker
    does not send for Describe of a missing job)."""
    with pytest.raises(ClientError) as raised:
        clients["sagemaker"].describe_transform_job(TransformJobName="no-such-job")
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert "no-such-job" in raised.value.response["Error"]["Message"]


def _reordered_on_each_evaluation(df):
    """``df`` whose partitions give their rows in a fresh random order each time they are
    evaluated, as rows after a shuffle may arrive (no seed: each evaluation differs)."""

    def shuffle(batches):
        arrived = list(batches)
        if not arrived:
            return
        table = pa.Table.from_batches(arrived)
        order = np.random.default_rng().permutation(table.num_rows)
        yield from table.take(pa.array(order)).to_batches()

    return df.mapInArrow(shuffle, df.schema)


def test_rows_in_another_order_at_read_back_are_an_error(spark, local, clients, bucket, artifact):
    """Staging and read-back evaluate the input twice; here each evaluation orders every
    partition's rows anew. Matching by position would give rows other rows' predictions:
    the fingerprints refuse it, naming the partition and row and the remedy."""
    stage = _stage(local, bucket, artifact)
    with pytest.raises(BatchReadBackError) as raised:
        stage.transform(_reordered_on_each_evaluation(_frame(spark, 200, 2)))
    message = str(raised.value)
    assert re.match(
        r"partition [01], row \d+ \(counted from 0 within the partition\) is not the row "
        r"staged there \(\S+/input/part-0000[01]-\w+\.csv\): its request bytes differ",
        message,
    ), message
    assert "cache(), checkpoint() or localCheckpoint() the input before transform" in message
    created = stage.getCreatedResources()
    assert created.notDeleted == ()
    assert _keys(clients, bucket, f"staging/{created.transformJobName}") == []
    # The remedy works: the same input, cached, comes back whole with its own predictions.
    cached = _reordered_on_each_evaluation(_frame(spark, 200, 2)).cache()
    rows = stage.transform(cached).collect()
    assert sorted(r.id for r in rows) == list(range(200))
    assert all(r.prediction == 2.0 * (r.id + 1) for r in rows)
    cached.unpersist()


def test_reordering_rows_with_the_same_request_changes_nothing(spark, local, bucket, artifact):
    """Rows whose request bytes are equal share a fingerprint and a prediction: another
    order among them is accepted, and every row still has its own prediction."""
    same = _frame(spark, 100, 2).withColumn(
        "features", array_to_vector(F.array(F.lit(1.0), F.lit(1.0), F.lit(1.0)))
    )
    rows = _stage(local, bucket, artifact).transform(_reordered_on_each_evaluation(same)).collect()
    assert sorted(r.id for r in rows) == list(range(100))
    assert {r.prediction for r in rows} == {6.0}


def test_fingerprints_are_staged_beside_each_part(spark, local, clients, bucket, artifact):
    stage = _stage(local, bucket, artifact, deleteStagingDataAfterTransform=False)
    _check_in_order(stage.transform(_frame(spark, 30, 3)), 30)
    created = stage.getCreatedResources()
    inputs = _keys(clients, bucket, f"staging/{created.transformJobName}/input/")
    assert len(inputs) == 3
    for key in inputs:
        data = clients["s3"].get_object(Bucket=bucket, Key=key)["Body"].read()
        assert data.count(b"\n") == 10
    # The fingerprints are internal: removed even when the staged data is kept.
    assert _keys(clients, bucket, f"staging/{created.transformJobName}/fingerprints") == []
    assert created.fingerprintsS3Uri in created.deleted


def test_a_cleanup_failure_is_reported_and_never_hides_the_error(
    spark, local, clients, bucket, artifact, monkeypatch
):
    """The job fails and S3 cannot be reached for the output: the job's error is raised as
    it is, with a note naming what was left and how to remove it; the rest is removed."""
    from botocore.exceptions import EndpointConnectionError

    from smspark_core import batch_transform
    from smspark_core.executor import staging

    def unreachable_for_output(staged, spec):
        if staged.prefix_uri.endswith("/input"):
            raise EndpointConnectionError(endpoint_url="https://s3.example")
        return staging.remove_staging(staged, spec)

    monkeypatch.setattr(batch_transform, "remove_staging", unreachable_for_output)
    bad = _frame(spark, 10, 1).withColumn(
        "features", array_to_vector(F.array(F.lit(1.0), F.lit(2.0)))
    )
    stage = _stage(local, bucket, artifact, invocationsMaxRetries=0)
    with pytest.raises(TransformJobFailed) as raised:
        stage.transform(bad)
    created = stage.getCreatedResources()
    assert created.notDeleted == (created.inputS3Uri,)
    assert created.modelName in created.deleted and created.fingerprintsS3Uri in created.deleted
    (problem,) = created.cleanupErrors
    assert problem.startswith(f"{created.inputS3Uri}: could not delete it (Could not connect")
    assert problem.endswith(f"aws s3 rm --recursive {created.inputS3Uri}/")
    assert raised.value.__notes__ == [f"cleanup: {problem}"]
    assert _keys(clients, bucket, f"staging/{created.transformJobName}/input/") != []


def _stage_whose_sagemaker(local, bucket, artifact, **changes):
    """A stage whose SageMaker client has some methods replaced (the rest are boto3's)."""

    class Client:
        def __getattr__(self, name):
            return changes.get(name) or getattr(real, name)

    real = local.client("sagemaker")
    return _stage(local, bucket, artifact, sagemakerClient=Client()), real


def test_ctrl_c_during_create_model_still_deletes_the_model(
    spark, local, clients, bucket, artifact
):
    """Ctrl-C after CreateModel was sent but before its answer: the model exists, and the
    stage recorded it before the call, so it is deleted."""

    def create_then_interrupted(**request):
        real.create_model(**request)
        raise KeyboardInterrupt

    stage, real = _stage_whose_sagemaker(
        local, bucket, artifact, create_model=create_then_interrupted
    )
    with pytest.raises(KeyboardInterrupt):
        stage.transform(_frame(spark, 10, 1))
    created = stage.getCreatedResources()
    assert created.transformJobName is None
    assert created.modelName in created.deleted
    with pytest.raises(ClientError, match="Could not find model"):
        clients["sagemaker"].describe_model(ModelName=created.modelName)
    assert _keys(clients, bucket, f"staging/{created.inputS3Uri.split('/')[-2]}") == []


def test_ctrl_c_before_the_model_exists_reports_no_model(spark, local, bucket, artifact):
    def interrupted(**request):
        raise KeyboardInterrupt

    stage, _ = _stage_whose_sagemaker(local, bucket, artifact, create_model=interrupted)
    with pytest.raises(KeyboardInterrupt):
        stage.transform(_frame(spark, 10, 1))
    created = stage.getCreatedResources()
    assert created.modelName is None and created.notDeleted == ()
    assert created.inputS3Uri in created.deleted


def test_system_exit_stops_the_job_and_cleans_up(
    spark, local, clients, bucket, model_name, monkeypatch
):
    local.set_faults(model_name, latency_ms=2000)

    def exiting(self):
        raise SystemExit(3)

    monkeypatch.setattr(jobs.LogFollower, "poll", exiting)
    stage = SageMakerBatchTransformer.from_model_name(
        model_name,
        UnlabeledCSVRequestRowSerializer(),
        XGBoostCSVRowDeserializer(),
        clientSpec=local.client_spec,
        instanceType="ml.m5.large",
        stagingS3Uri=f"s3://{bucket}/staging",
        pollSeconds=0.1,
        batchStrategy="SingleRecord",
    )
    try:
        with pytest.raises(SystemExit):
            stage.transform(_frame(spark, 10, 1))
    finally:
        local.clear_faults(model_name)
    created = stage.getCreatedResources()
    job = clients["sagemaker"].describe_transform_job(TransformJobName=created.transformJobName)
    assert job["TransformJobStatus"] in ("Stopping", "Stopped")
    assert _keys(clients, bucket, f"staging/{created.transformJobName}") == []
    assert created.inputS3Uri in created.deleted and created.notDeleted == ()


def test_the_rejected_partition_is_found_in_the_logs(spark, local, bucket, artifact):
    """On the service FailureReason usually only says to see the logs; the data log names
    the object: the stage finds the partition there."""

    def service_wording(**request):
        job = real.describe_transform_job(**request)
        if "FailureReason" in job:
            job["FailureReason"] = "ClientError: See job logs for more information"
        return job

    stage, real = _stage_whose_sagemaker(
        local, bucket, artifact, describe_transform_job=service_wording
    )
    stage.setBatchStrategy("SingleRecord").setInvocationsMaxRetries(0)
    bad = _frame(spark, 40, 2).withColumn(
        "features",
        F.when(F.col("id") == 27, array_to_vector(F.array(F.lit(1.0), F.lit(2.0)))).otherwise(
            F.col("features")
        ),
    )
    with pytest.raises(TransformJobFailed) as raised:
        stage.transform(bad)
    message = str(raised.value)
    assert "ended Failed: ClientError: See job logs for more information" in message
    assert "holds partition 1 (20 rows" in message
    assert "named in the job's log: [sagemaker logs]: " in message and "records 7-7" in message


def test_remove_staging_reports_keys_s3_refused():
    """DeleteObjects answers 200 with per-key Errors: nothing is reported removed then."""
    from smspark_core.executor.staging import StagedData, remove_staging
    from smspark_core.foundation.errors import SmsparkError

    class Paginator:
        def paginate(self, **kwargs):
            return [{"Contents": [{"Key": "p/job/input/a"}, {"Key": "p/job/input/b"}]}]

    class S3:
        def get_paginator(self, name):
            return Paginator()

        def delete_objects(self, **kwargs):
            return {"Errors": [{"Key": "p/job/input/b", "Code": "AccessDenied", "Message": "no"}]}

    class Spec:
        def client(self, name):
            return S3()

    uri = "s3://b/p/job/input"
    with pytest.raises(SmsparkError, match=r"S3 refused to delete 1 of 2 objects under "):
        remove_staging(StagedData(uri, "S3Prefix", uri), Spec())
