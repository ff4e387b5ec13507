"""The original's ``sagemaker_pyspark.S3Resources``."""

from smspark_core.aws.resources import S3AutoCreatePath, S3DataPath, S3Resource

__all__ = ["S3AutoCreatePath", "S3DataPath", "S3Resource"]
