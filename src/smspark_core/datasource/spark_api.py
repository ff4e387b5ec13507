"""What the "sagemaker" format needs from the installed pyspark, checked on import with an
error that names pyspark's version and what is missing.

The format is a Python Data Source (``pyspark.sql.datasource``, new in Spark 4.0) whose
writer takes Arrow batches (``DataSourceArrowWriter``, also 4.0), and its encoder reads ml
vectors in the Arrow form of ``VectorUDT``'s SQL struct (``arrow_vectors.VECTOR_ARROW_TYPE``).
smspark-core's pin keeps other releases out, but a runtime that brings its own pyspark (a
notebook or cluster image, an install with ``--no-deps``) would otherwise fail with an
ImportError deep inside smspark or, were the vector layout to change, with a misleading
"expected a Vector column" on a column that is one. Every module of the format imports the
data source API from here."""

from __future__ import annotations

import importlib
from importlib import metadata

import pyspark
from pyspark.ml.linalg import VectorUDT

from smspark_core.foundation.errors import SmsparkError

DATA_SOURCE_NAMES = (
    "DataSource",
    "DataSourceArrowWriter",
    "DataSourceReader",
    "InputPartition",
    "WriterCommitMessage",
)
# The Spark SQL form of arrow_vectors.VECTOR_ARROW_TYPE (tests/core check they agree).
VECTOR_SQL_TYPE = "struct<type:tinyint,size:int,indices:array<int>,values:array<double>>"


class UnsupportedSparkError(SmsparkError, ImportError):
    """The installed pyspark lacks something smspark needs."""


def missing_from_pyspark() -> list[str]:
    """What the installed pyspark lacks of what the format relies on; empty when nothing."""
    missing = []
    try:
        api = importlib.import_module("pyspark.sql.datasource")
    except ImportError:
        missing.append("the Python Data Source API (module pyspark.sql.datasource, Spark 4.0)")
    else:
        missing += [f"pyspark.sql.datasource.{n}" for n in DATA_SOURCE_NAMES if not hasattr(api, n)]
    found = VectorUDT.sqlType().simpleString()
    if found != VECTOR_SQL_TYPE:
        missing.append(f"ml vectors stored as {VECTOR_SQL_TYPE} (its VectorUDT stores {found})")
    return missing


def _pyspark_requirement() -> str:
    """smspark-core's own pyspark requirement, as installed (one place: pyproject.toml)."""
    try:
        requirements = metadata.requires("smspark-core") or []
    except metadata.PackageNotFoundError:
        requirements = []
    declared = [r for r in requirements if r.startswith("pyspark") and "extra ==" not in r]
    return declared[0] if declared else "pyspark>=4.0"


def require_supported_pyspark() -> None:
    """Raises :class:`UnsupportedSparkError` naming pyspark's version and each missing part."""
    missing = missing_from_pyspark()
    if missing:
        raise UnsupportedSparkError(
            f'pyspark {pyspark.__version__} lacks what smspark\'s "sagemaker" format needs: '
            f"{'; '.join(missing)}. smspark-core needs {_pyspark_requirement()} (for Spark "
            "Connect, pyspark-client of the same versions)"
        )


require_supported_pyspark()

from pyspark.sql.datasource import (  # noqa: E402 - only once the check has passed
    DataSource,
    DataSourceArrowWriter,
    DataSourceReader,
    InputPartition,
    WriterCommitMessage,
)

__all__ = [
    "DataSource",
    "DataSourceArrowWriter",
    "DataSourceReader",
    "InputPartition",
    "UnsupportedSparkError",
    "WriterCommitMessage",
    "require_supported_pyspark",
]
