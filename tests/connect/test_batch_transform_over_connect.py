"""SageMakerBatchTransformer over Spark Connect: predictions in input order, and an error
raised on the executors during the read-back reaches the client as the same
``BatchReadBackError`` with its own message, as on classic Spark."""

from __future__ import annotations

import io
import json
import re
import sys
import tarfile
import uuid

import pytest
from pyspark import cloudpickle
from pyspark.errors import PythonException
from pyspark.ml.functions import array_to_vector
from pyspark.sql import functions as F
from smspark_local import LocalSageMaker

from smspark_core.batch_transform import SageMakerBatchTransformer
from smspark_core.executor.batch_io import BatchReadBackError
from smspark_core.plugins.specs import LocalImageSpec
from smspark_core.transformation.deserializers import XGBoostCSVRowDeserializer
from smspark_core.transformation.serializers import UnlabeledCSVRequestRowSerializer

pytestmark = pytest.mark.connect

ROLE = "arn:aws:iam::123456789012:role/smspark-test"
SUM_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/test-sum:1"
SUM = LocalImageSpec(
    "test-sum", train="smspark_testplugin.images:train", serve="smspark_testplugin.images:serve"
)
WEIGHTS = [1.0, 10.0, 100.0]


@pytest.fixture(scope="module")
def local(connect_spark):
    with LocalSageMaker(images={"test-sum": SUM}, ping_timeout=60) as backend:
        yield backend


@pytest.fixture(scope="module")
def artifact(local):
    """A test-sum model whose prediction for x is WEIGHTS . x, and its bucket."""
    bucket = f"connect-batch-{uuid.uuid4().hex[:8]}"
    s3 = local.client("s3")
    s3.create_bucket(Bucket=bucket)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        data = json.dumps(WEIGHTS).encode()
        info = tarfile.TarInfo("weights.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    s3.put_object(Bucket=bucket, Key="model/model.tar.gz", Body=buffer.getvalue())
    return bucket, f"s3://{bucket}/model/model.tar.gz"


def _stage(artifact, deserializer):
    bucket, path = artifact
    return SageMakerBatchTransformer.from_model_s3_path(
        path,
        SUM_IMAGE,
        ROLE,
        UnlabeledCSVRequestRowSerializer(),
        deserializer,
        instanceType="ml.m5.large",
        stagingS3Uri=f"s3://{bucket}/staging",
        pollSeconds=0.1,
    )


def _frame(spark, rows, partitions):
    df = spark.range(0, rows, 1, numPartitions=partitions)
    features = array_to_vector(F.array(F.col("id").cast("double"), F.lit(1.0), F.lit(0.0)))
    return df.withColumn("features", features)


def test_every_row_once_in_input_order(connect_spark, artifact):
    rows = _stage(artifact, XGBoostCSVRowDeserializer()).transform(_frame(connect_spark, 60, 3))
    collected = rows.collect()
    assert [r.id for r in collected] == list(range(60))
    assert [r.prediction for r in collected] == [r.id + 10.0 for r in collected]


class DropsTheFirstPrediction(XGBoostCSVRowDeserializer):
    """A deserializer that loses a row: the read-back must refuse it, not shift."""

    def deserialize_batch(self, body):
        return super().deserialize_batch(body).slice(1)


def test_a_read_back_error_is_raised_as_itself(connect_spark, artifact):
    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the class goes to executors
    stage = _stage(artifact, DropsTheFirstPrediction())
    with pytest.raises(BatchReadBackError) as raised:
        stage.transform(_frame(connect_spark, 20, 2))
    assert re.fullmatch(
        r"part s3://\S+/output/part-0000\d-\w+\.csv\.out \(partition \d\) holds 9 "
        r"predictions for 10 staged rows",
        str(raised.value),
    )
    assert isinstance(raised.value.__cause__, PythonException)
    assert stage.getCreatedResources().inputS3Uri in stage.getCreatedResources().deleted
