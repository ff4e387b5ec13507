"""The "sagemaker" Spark data source: RecordIO-protobuf training files, written from the
executors to local paths or S3 (through boto3, no Hadoop S3 jars), and read back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smspark_core.datasource.sagemaker_format import SageMakerDataSource

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def register_data_source(spark: SparkSession) -> None:
    """Makes ``format("sagemaker")`` available in ``spark`` (done on import when a session
    is active)."""
    spark.dataSource.register(SageMakerDataSource)


__all__ = ["SageMakerDataSource", "register_data_source"]
