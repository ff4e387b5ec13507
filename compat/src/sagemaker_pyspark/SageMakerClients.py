"""The original's ``sagemaker_pyspark.SageMakerClients``: boto3 clients of the default chain."""

from smspark_core.aws import SageMakerClients

__all__ = ["SageMakerClients"]
