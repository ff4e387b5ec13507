"""The original's ``sagemaker_pyspark.SageMakerModel``."""

from smspark_core.model import SageMakerModel

__all__ = ["SageMakerModel"]
