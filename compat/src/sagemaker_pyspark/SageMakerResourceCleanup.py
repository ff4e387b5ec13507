"""The original's ``sagemaker_pyspark.SageMakerResourceCleanup``."""

from smspark_core.aws.resources import CreatedResources, SageMakerResourceCleanup

__all__ = ["CreatedResources", "SageMakerResourceCleanup"]
