"""smspark: Amazon SageMaker as a first-class part of PySpark ML pipelines.

The public names follow ``sagemaker_pyspark`` so that porting is an import change::

    from smspark_core import SageMakerEstimator, SageMakerModel, IAMRole, S3DataPath

Importing this package registers the ``"sagemaker"`` data source with the active
SparkSession, if there is one; otherwise call ``register_data_source(spark)``.
"""

from __future__ import annotations

import sys

from smspark_core.foundation.lazy import lazy_exports

# Public name -> the module defining it. Nothing is imported until a name is used, so that
# ``import smspark_core.codecs.recordio`` (or a local image's model server) does not pay for
# pyspark, boto3 and pandas.
_EXPORTS = {
    **dict.fromkeys(["SageMakerClients"], "smspark_core.aws"),
    **dict.fromkeys(
        ["BatchTransformResources", "SageMakerBatchTransformer"], "smspark_core.batch_transform"
    ),
    **dict.fromkeys(["SageMakerDataSource", "register_data_source"], "smspark_core.datasource"),
    **dict.fromkeys(["SageMakerEstimator"], "smspark_core.estimator"),
    **dict.fromkeys(["hookimpl"], "smspark_core.plugins.hookspecs"),
    **dict.fromkeys(["SageMakerModel"], "smspark_core.model"),
    **dict.fromkeys(["get_plugin_host"], "smspark_core.plugins"),
    **dict.fromkeys(
        [
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
            "SageMakerResourceCleanup",
            "SageMakerResourceCleanupException",
            "SageMakerSparkSDKException",
        ],
        "smspark_core.aws.resources",
    ),
}

__all__ = sorted([*_EXPORTS, "classpath_jars"])


def classpath_jars() -> list[str]:
    """No jars: smspark is pure Python. Kept so that ported code calling
    ``sagemaker_pyspark.classpath_jars()`` for ``spark.driver.extraClassPath`` still runs."""
    return []


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


def _register_with_active_session() -> None:
    """Registers the data source with a session that already exists; without pyspark
    imported there is none, and nothing is imported to find out."""
    if "pyspark.sql" not in sys.modules:
        return
    from pyspark.sql import SparkSession

    session = SparkSession.getActiveSession()
    if session is not None:
        from smspark_core.datasource import register_data_source

        register_data_source(session)


_register_with_active_session()
