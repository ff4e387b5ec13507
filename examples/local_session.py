"""What the examples share: the local SageMaker backend with a Spark session that reaches
it, a role and instance settings, and deleting the endpoints a fitted pipeline created."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pyspark.sql import SparkSession

from smspark_core import IAMRole, SageMakerResourceCleanup, register_data_source
from smspark_core.local import LocalSageMaker

# The local backend accepts any well-formed role; on AWS, use your SageMaker execution role.
ROLE = IAMRole("arn:aws:iam::123456789012:role/SageMakerRole")
INSTANCES = {
    "trainingInstanceType": "ml.m5.large",
    "trainingInstanceCount": 1,
    "endpointInstanceType": "ml.m5.large",
    "endpointInitialInstanceCount": 1,
}


@contextmanager
def local_spark(app_name: str = "smspark-example") -> Iterator[SparkSession]:
    """Starts the local backend (boto3 then talks to SageMaker on 127.0.0.1) and a 2-core
    Spark session with the "sagemaker" format; stops both at the end."""
    # Spark's Python workers must run this interpreter (the one with smspark installed).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    with LocalSageMaker():
        spark = (
            SparkSession.builder.master("local[2]")
            .appName(app_name)
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.shuffle.partitions", "2")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        register_data_source(spark)
        try:
            yield spark
        finally:
            spark.stop()


def delete_endpoints(model: Any) -> None:
    """Deletes the endpoint, endpoint config and model that each SageMaker stage of
    ``model`` (a SageMakerModel or a PipelineModel) created."""
    for stage in getattr(model, "stages", [model]):
        if hasattr(stage, "getCreatedResources"):
            SageMakerResourceCleanup(stage.sagemakerClient).deleteResources(
                stage.getCreatedResources()
            )
