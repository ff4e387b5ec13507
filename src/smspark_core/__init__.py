"""smspark: Amazon SageMaker as a first-class part of PySpark ML pipelines.

Importing this package registers the ``"sagemaker"`` data source with the active
SparkSession, if there is one; otherwise call ``register_data_source(spark)``.
"""

from __future__ import annotations

from smspark_core.datasource import SageMakerDataSource, register_data_source
from smspark_core.hookspecs import hookimpl
from smspark_core.plugins import get_plugin_host

__all__ = ["SageMakerDataSource", "get_plugin_host", "hookimpl", "register_data_source"]


def _register_with_active_session() -> None:
    from pyspark.sql import SparkSession

    session = SparkSession.getActiveSession()
    if session is not None:
        register_data_source(session)


_register_with_active_session()
