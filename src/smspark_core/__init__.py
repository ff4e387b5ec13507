"""smspark: Amazon SageMaker as a first-class part of PySpark ML pipelines.

The public names follow ``sagemaker_pyspark`` so that porting is an import change::

    from smspark_core import SageMakerEstimator, SageMakerModel, IAMRole, S3DataPath

Importing this package registers the ``"sagemaker"`` data source with the active
SparkSession, if there is one; otherwise call ``register_data_source(spark)``.
"""

from __future__ import annotations

from smspark_core.batch_transform import BatchTransformResources, SageMakerBatchTransformer
from smspark_core.datasource import SageMakerDataSource, register_data_source
from smspark_core.estimator import SageMakerEstimator
from smspark_core.hookspecs import hookimpl
from smspark_core.model import SageMakerModel
from smspark_core.plugins import get_plugin_host
from smspark_core.resources import (
    CreatedResources,
    CustomNamePolicy,
    CustomNamePolicyFactory,
    CustomNamePolicyWithTimeStampSuffix,
    CustomNamePolicyWithTimeStampSuffixFactory,
    EndpointCreationPolicy,
    IAMRole,
    IAMRoleFromConfig,
    NamePolicy,
    NamePolicyFactory,
    RandomNamePolicy,
    RandomNamePolicyFactory,
    S3AutoCreatePath,
    S3DataPath,
    S3PathFromConfig,
    SageMakerResourceCleanup,
    SageMakerResourceCleanupException,
    SageMakerSparkSDKException,
)

__all__ = [
    "BatchTransformResources",
    "CreatedResources",
    "CustomNamePolicy",
    "CustomNamePolicyFactory",
    "CustomNamePolicyWithTimeStampSuffix",
    "CustomNamePolicyWithTimeStampSuffixFactory",
    "EndpointCreationPolicy",
    "IAMRole",
    "IAMRoleFromConfig",
    "NamePolicy",
    "NamePolicyFactory",
    "RandomNamePolicy",
    "RandomNamePolicyFactory",
    "S3AutoCreatePath",
    "S3DataPath",
    "S3PathFromConfig",
    "SageMakerBatchTransformer",
    "SageMakerDataSource",
    "SageMakerEstimator",
    "SageMakerModel",
    "SageMakerResourceCleanup",
    "SageMakerResourceCleanupException",
    "SageMakerSparkSDKException",
    "classpath_jars",
    "get_plugin_host",
    "hookimpl",
    "register_data_source",
]


def classpath_jars() -> list[str]:
    """No jars: smspark is pure Python. Kept so that ported code calling
    ``sagemaker_pyspark.classpath_jars()`` for ``spark.driver.extraClassPath`` still runs."""
    return []


def _register_with_active_session() -> None:
    from pyspark.sql import SparkSession

    session = SparkSession.getActiveSession()
    if session is not None:
        register_data_source(session)


_register_with_active_session()
