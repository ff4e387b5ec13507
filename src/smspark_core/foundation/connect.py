"""Whether a SparkSession is a Spark Connect client, decided by the session itself.

pyspark's ``is_remote()`` reads a process-wide environment variable that stays set once any
Connect session was made, so a process holding a classic and a Connect session would take
one for the other; the session's class says which it is."""

from __future__ import annotations

from typing import Any


def is_connect(session: Any) -> bool:
    """True for a ``pyspark.sql.connect`` session (no SparkContext, JVM or RDDs on it)."""
    return type(session).__module__.startswith("pyspark.sql.connect")
