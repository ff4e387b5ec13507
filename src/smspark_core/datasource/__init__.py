"""The "sagemaker" Spark data source: RecordIO-protobuf training files, written from the
executors to local paths or S3 (through boto3, no Hadoop S3 jars), and read back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smspark_core.aws import explicit_default_client_spec
from smspark_core.datasource.sagemaker_format import SageMakerDataSource, bound_to

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def register_data_source(spark: SparkSession) -> None:
    """Makes ``format("sagemaker")`` available in ``spark`` (done on import when a session
    is active, and again by ``LocalSageMaker`` when it starts and stops).

    The format carries this process's installed default client spec, if any
    (:func:`smspark_core.aws.default_client_spec`), so executors and Spark Connect servers
    reach the same S3 as the driver; without one they use their own boto3 configuration."""
    spark.dataSource.register(bound_to(explicit_default_client_spec()))


__all__ = ["SageMakerDataSource", "register_data_source"]
