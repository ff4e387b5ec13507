"""A Spark session and the local backend, the way the examples (and a notebook) start them.

The session comes first and the backend second, as in a notebook; smspark carries the
backend's client spec to wherever the work runs. Where Spark runs is chosen by environment
variables, so one script runs on every deployment:

* ``SMSPARK_REMOTE=sc://host:15002``: a Spark Connect server (on this machine: the local
  backend listens on 127.0.0.1 only);
* ``SMSPARK_MASTER=spark://127.0.0.1:7077`` (or ``local-cluster[2,1,1024]``, ``yarn``, ...):
  a classic session on that master; ``local[2]`` when neither is set.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pyspark.sql import SparkSession

from smspark_core.aws.resources import IAMRole, SageMakerResourceCleanup
from smspark_core.datasource import register_data_source
from smspark_core.foundation.connect import is_connect
from smspark_local.service.backend import LocalSageMaker

# The local backend accepts any well-formed role; on AWS, use your SageMaker execution role.
ROLE = IAMRole("arn:aws:iam::123456789012:role/SageMakerRole")
INSTANCES = {
    "trainingInstanceType": "ml.m5.large",
    "trainingInstanceCount": 1,
    "endpointInstanceType": "ml.m5.large",
    "endpointInitialInstanceCount": 1,
}


def spark_session(app_name: str = "smspark-example") -> SparkSession:
    """A session on ``SMSPARK_REMOTE`` (Spark Connect) or ``SMSPARK_MASTER`` (default
    ``local[2]``), with the "sagemaker" format registered."""
    remote = os.environ.get("SMSPARK_REMOTE")
    if remote:
        spark = SparkSession.builder.remote(remote).appName(app_name).getOrCreate()
    else:
        # Spark's Python workers must run this interpreter (the one with smspark installed).
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        spark = (
            SparkSession.builder.master(os.environ.get("SMSPARK_MASTER", "local[2]"))
            .appName(app_name)
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.shuffle.partitions", "2")
            .getOrCreate()
        )
    if not is_connect(spark):
        spark.sparkContext.setLogLevel("ERROR")
    register_data_source(spark)
    return spark


@contextmanager
def local_spark(app_name: str = "smspark-example") -> Iterator[SparkSession]:
    """:func:`spark_session`, then the local backend (boto3 and the stages then reach
    SageMaker on 127.0.0.1); stops both at the end."""
    spark = spark_session(app_name)
    try:
        with LocalSageMaker():
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
