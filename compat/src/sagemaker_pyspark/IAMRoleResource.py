"""The original's ``sagemaker_pyspark.IAMRoleResource``."""

from smspark_core.aws.resources import IAMRole, IAMRoleFromConfig, IAMRoleResource

__all__ = ["IAMRole", "IAMRoleFromConfig", "IAMRoleResource"]
