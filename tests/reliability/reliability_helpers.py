"""What the reliability suite's tests and its separate Spark process share: the data
(200,000 rows with ids, built in the JVM), the summary every case must match, and what the
local backend holds (to show nothing is left behind). A cheap image (the stub echo: each
prediction is the row's own id) keeps the model out of the measurement, so every id must
come back exactly once with itself as its prediction. A module of its own name, so that
importing it never depends on which folder's ``conftest`` pytest imported first."""

from __future__ import annotations

from typing import Any

ROWS = 200_000
IMAGE = "local/stub-echo:1"
ROLE = "arn:aws:iam::123456789012:role/smspark-reliability"


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


def holdings(local: Any) -> dict[str, set[str]]:
    """Every model, endpoint config, endpoint (but those being deleted) and S3 object the
    local backend holds, by kind: what a case must not add to."""
    sagemaker, s3 = local.client("sagemaker"), local.client("s3")

    def listed(operation: str, key: str, name: str) -> set[str]:
        pages = sagemaker.get_paginator(operation).paginate()
        return {
            item[name]
            for page in pages
            for item in page[key]
            if item.get("EndpointStatus") != "Deleting"
        }

    objects = {
        f"{bucket['Name']}/{item['Key']}"
        for bucket in s3.list_buckets()["Buckets"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket["Name"])
        for item in page.get("Contents", [])
    }
    return {
        "models": listed("list_models", "Models", "ModelName"),
        "endpoint configs": listed(
            "list_endpoint_configs", "EndpointConfigs", "EndpointConfigName"
        ),
        "endpoints": listed("list_endpoints", "Endpoints", "EndpointName"),
        "S3 objects": objects,
    }
