"""The reliability suite: transform over 200,000 rows with ids through a local endpoint under
injected faults. A cheap image (the stub echo: each prediction is the row's own id) keeps the
model out of the measurement, so every id must come back exactly once with itself as its
prediction, as in the fault-free run."""

from __future__ import annotations

import pytest
from smspark_local import LocalSageMaker
from smspark_local.stub_images import ECHO_IMAGE

ROWS = 200_000
IMAGE = "local/stub-echo:1"
ROLE = "arn:aws:iam::123456789012:role/smspark-reliability"


@pytest.fixture(scope="module")
def local():
    with LocalSageMaker(ping_timeout=60) as backend:
        backend.register_image(IMAGE, ECHO_IMAGE)
        yield backend


def frame(spark, rows: int = ROWS, partitions: int = 2):
    """``id`` and ``features = [id]``, built in the JVM (no Python rows to ship)."""
    from pyspark.ml.feature import VectorAssembler
    from pyspark.sql import functions as F

    ids = spark.range(0, rows, numPartitions=partitions).withColumn("x", F.col("id").cast("double"))
    assembler = VectorAssembler(inputCols=["x"], outputCol="features")
    return assembler.transform(ids).select("id", "features")


def summary(result) -> dict:
    """What must match the fault-free run: rows, distinct ids, wrong predictions and an
    order-free digest of every (id, prediction) pair."""
    from pyspark.sql import functions as F

    row = result.agg(
        F.count("*").alias("rows"),
        F.countDistinct("id").alias("ids"),
        F.sum((F.col("prediction") != F.col("id")).cast("long")).alias("wrong"),
        F.bit_xor(F.xxhash64("id", "prediction")).alias("digest"),
    ).first()
    return row.asDict()
