"""``transformStats``: what the requests of a ``transform()`` did, gathered without
SparkContext accumulators so that it works over Spark Connect as well as in classic Spark.

Each partition's Python function attaches its counters (``InvokeStats``, plus the Spark task
attempts that failed before it) to the last row it returns, as JSON text in a string column
``STATS_COLUMN`` that is null on every other row (text, because a null struct of counters
still carries a slot per counter and row through Arrow: 14 MB per 100,000 rows).
``DataFrame.observe`` collects that column as the action runs (``pyspark.sql.Observation``
works in classic and Connect sessions), the driver combines the partitions' records, and
the column is dropped before the user sees the frame. Only tasks that succeed deliver their
counters, as Spark delivers only their metrics; a failed task attempt shows up as a
``task_retries`` count of the attempt that replaced it. As with any Observation, the figures
are those of the first action run on the transformed DataFrame.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
from pyspark.sql import DataFrame, Observation
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField

from smspark_core.executor.invoke import RETRY_CAUSES, InvokeStats

STATS_COLUMN = "__smspark_transform_stats"
_SUMMED = (
    "partitions",
    "requests",
    "attempts",
    "failed_requests",
    "task_retries",
    "bytes_sent",
    "rows_sent",
    "throttle_cuts",
    "concurrency_final",  # summed, then divided by partitions: the mean final limit
) + tuple(f"retries_{cause}" for cause in RETRY_CAUSES)
_MAXED = ("peak_in_flight", "concurrency_peak")
_MINNED = ("concurrency_low",)
_FIELDS = (*_SUMMED, *_MAXED, *_MINNED)
_RECORDS = "records"  # the observed metric: the partitions' records
STATS_ARROW_TYPE = pa.string()
STATS_SPARK_FIELD = StructField(STATS_COLUMN, StringType(), True)


def partition_record(stats: InvokeStats, earlier_attempts: int) -> dict[str, int]:
    """One partition's counters; ``earlier_attempts`` is its Spark task's attempt number
    (how many attempts of this task failed before this one)."""
    record = {
        "partitions": 1,
        "requests": stats.requests,
        "attempts": stats.attempts,
        "failed_requests": stats.failed,
        "task_retries": earlier_attempts,
        "bytes_sent": stats.bytes_sent,
        "rows_sent": stats.rows_sent,
        "peak_in_flight": stats.peak_in_flight,
        "throttle_cuts": stats.throttle_cuts,
        "concurrency_final": stats.limit_final,
        "concurrency_peak": stats.limit_peak,
        "concurrency_low": stats.limit_low,
    }
    record.update({f"retries_{c}": stats.retries.get(c, 0) for c in RETRY_CAUSES})
    return record


def stats_array(rows: int, record: dict[str, int] | None) -> pa.Array:
    """The stats column of a batch: null, or ``record`` (as JSON) on its last row."""
    if record is None or rows == 0:
        return pa.nulls(rows, STATS_ARROW_TYPE)
    last = pa.array([json.dumps(record)], STATS_ARROW_TYPE)
    return pa.concat_arrays([pa.nulls(rows - 1, STATS_ARROW_TYPE), last])


def observe(frame: DataFrame) -> tuple[DataFrame, Observation]:
    """``frame`` (which has ``STATS_COLUMN``) without that column, observed. One aggregate,
    the partitions' records (``collect_list`` skips the null rows) as lines of one text
    (Spark 4.0's classic ``Observation`` hands arrays over as Java objects), combined on the
    driver: an aggregate per counter cost a py4j call or more each when the plan was built,
    and an evaluation per counter and row as the action ran."""
    observation = Observation()
    records = F.concat_ws("\n", F.collect_list(F.col(STATS_COLUMN))).alias(_RECORDS)
    return frame.observe(observation, records).drop(STATS_COLUMN), observation


def combine(records: str) -> dict[str, int]:
    """The partitions' records (JSON lines) as one: counters summed, peaks maxed, lows
    minned; all zero for no record."""
    rows = [json.loads(line) for line in records.splitlines()]
    if not rows:
        return {name: 0 for name in _FIELDS}
    combined = {name: sum(row[name] or 0 for row in rows) for name in _SUMMED}
    combined.update({name: max(row[name] or 0 for row in rows) for name in _MAXED})
    combined.update({name: min(row[name] or 0 for row in rows) for name in _MINNED})
    return combined


def empty() -> dict[str, Any]:
    """The figures before any action has run."""
    return summarize(combine(""))


def summarize(values: dict[str, int]) -> dict[str, Any]:
    """The public ``transformStats`` shape from the combined records."""
    retries = {cause: int(values[f"retries_{cause}"]) for cause in RETRY_CAUSES}
    requests = int(values["requests"])
    partitions = int(values["partitions"])
    return {
        "requests": requests,
        "attempts": int(values["attempts"]),
        "retries": sum(retries.values()),
        "retries_by_cause": retries,
        "failed_requests": int(values["failed_requests"]),
        "task_retries": int(values["task_retries"]),
        "partitions": partitions,
        "peak_in_flight": int(values["peak_in_flight"]),
        # The concurrency limit's path (maxConcurrency="auto" adapts it; a number is fixed):
        # the mean over partitions of the limit each ended with, the highest and lowest any
        # reached, and how often throttling cut it.
        "concurrency": {
            "final": int(values["concurrency_final"]) / partitions if partitions else 0.0,
            "peak": int(values["concurrency_peak"]),
            "low": int(values["concurrency_low"]),
            "throttle_cuts": int(values["throttle_cuts"]),
        },
        # Of the answered requests: how full packing made them.
        "bytes_sent": int(values["bytes_sent"]),
        "rows_sent": int(values["rows_sent"]),
        "bytes_per_request": int(values["bytes_sent"]) / requests if requests else 0.0,
        "rows_per_request": int(values["rows_sent"]) / requests if requests else 0.0,
    }


def read(observation: Observation | None) -> dict[str, Any]:
    """The observed figures, or zeros while no action has finished (never blocks for long:
    in classic Spark ``Observation.get`` would wait for an action that may never come)."""
    if observation is None:
        return empty()
    handle = getattr(observation, "_jo", None)  # classic: the JVM Observation
    if handle is not None and not _classic_metrics_arrived(handle):
        return empty()
    values = observation.get  # Connect: {} until the first action's metrics arrive
    return summarize(combine(values[_RECORDS])) if values else empty()


def _classic_metrics_arrived(handle: Any) -> bool:
    """Whether the JVM Observation has its metrics, without blocking. Its API has changed in
    every Spark 4 release: 4.3 has ``future()`` (a Scala Future) alone, 4.1 and 4.2
    ``getRowOrEmpty()`` (an Option, waiting 100 ms), 4.0 ``getOrEmpty()`` (a Map, the same
    wait). A failed action leaves no metrics. Only a classic session has such a handle, so
    py4j is there (the thin Connect client has none)."""
    methods = {method.getName() for method in handle.getClass().getMethods()}
    if "future" in methods:
        outcome = handle.future().value()  # Option[Try[...]]: empty while the action runs
        return bool(outcome.isDefined() and outcome.get().isSuccess())
    if "getRowOrEmpty" in methods:
        return bool(handle.getRowOrEmpty().isDefined())
    return not handle.getOrEmpty().isEmpty()
