"""Rows cross to mapInArrow's Python function in the fast vector layout, under any column
name, and come back exactly as they were."""

from __future__ import annotations

import pyarrow as pa
import pytest
from py4j.protocol import Py4JError
from pyspark.ml.linalg import Vectors, VectorUDT
from pyspark.sql.types import LongType, StructField, StructType

from smspark_core.transformation import arrow_transport
from smspark_core.transformation.arrow_transport import (
    arrow_friendly,
    for_map_in_arrow,
    standard_layout,
)
from smspark_core.transformation.arrow_vectors import VECTOR_ARROW_TYPE, feature_column

SCHEMA = StructType(
    [
        StructField("id", LongType()),
        StructField("features", VectorUDT()),
        StructField("other", VectorUDT()),
    ]
)
ROWS = [
    (0, Vectors.dense([1.0, 2.0]), None),
    (1, Vectors.sparse(4, [1, 3], [3.0, -1.0]), Vectors.dense([])),
    (2, Vectors.dense([0.0, 5.5]), Vectors.sparse(2, [], [])),
    (3, Vectors.sparse(2, [], []), Vectors.dense([7.0])),
]


def _friendly_vectors(values: list[dict | None]) -> pa.StructArray:
    """Vectors as arrow_friendly hands them over: dense rows carry empty indices."""
    return pa.array(values, type=VECTOR_ARROW_TYPE)


def test_standard_layout_puts_back_null_indices_of_dense_rows_only():
    vectors = _friendly_vectors(
        [
            {"type": 1, "size": None, "indices": [], "values": [1.0, 2.0]},
            {"type": 0, "size": 3, "indices": [2], "values": [4.0]},
            None,
            {"type": 0, "size": 2, "indices": [], "values": []},
        ]
    )
    batch = pa.RecordBatch.from_arrays([pa.array([1, 2, 3, 4]), vectors], ["id", "features"])
    restored = standard_layout(batch).column("features").to_pylist()
    assert restored == [
        {"type": 1, "size": None, "indices": None, "values": [1.0, 2.0]},
        {"type": 0, "size": 3, "indices": [2], "values": [4.0]},
        None,
        {"type": 0, "size": 2, "indices": [], "values": []},
    ]
    # A slice keeps its own rows (struct children carry the parent's offset).
    sliced = standard_layout(batch.slice(1, 2)).column("features").to_pylist()
    assert sliced == restored[1:3]


def test_standard_layout_leaves_spark_layout_alone():
    vectors = _friendly_vectors([{"type": 1, "size": None, "indices": None, "values": [1.0]}, None])
    batch = pa.RecordBatch.from_arrays([vectors], ["features"])
    assert standard_layout(batch).equals(batch)


@pytest.mark.spark
def test_vector_columns_reach_python_without_null_lists(spark):
    df = spark.createDataFrame(ROWS, SCHEMA)

    def layout(batches):  # what the Python worker receives, and what the serializers read
        for batch in batches:
            vectors = batch.column("features")
            sizes = feature_column(vectors, "features").sizes
            yield pa.RecordBatch.from_arrays(
                [batch.column("id"), vectors.field("type"), vectors.field("indices"), sizes],
                ["id", "type", "indices", "size"],
            )

    schema = "id long, type byte, indices array<int>, size long"
    rows = sorted(arrow_friendly(df).mapInArrow(layout, schema).collect())
    # UnwrapUDT took effect: dense rows arrive with an empty list rather than Spark's null.
    assert [(r.type, r.indices) for r in rows] == [(1, []), (0, [1, 3]), (1, []), (0, [])]
    assert [r.size for r in rows] == [2, 4, 2, 2]


@pytest.mark.spark
def test_round_trip_through_map_in_arrow_is_exact(spark):
    df = spark.createDataFrame(ROWS * 25, SCHEMA).repartition(3)
    back = arrow_friendly(df).mapInArrow(lambda batches: map(standard_layout, batches), df.schema)
    # exceptAll compares the stored structs, so a dense row with [] instead of null would show.
    assert back.exceptAll(df).count() == 0 and df.exceptAll(back).count() == 0
    assert sorted(back.collect()) == sorted(df.collect())


@pytest.mark.spark
def test_without_unwrap_udt_the_columns_go_unchanged(spark, monkeypatch):
    def unavailable(df, name):
        raise Py4JError("no UnwrapUDT in this Spark")

    monkeypatch.setattr(arrow_transport, "unwrapped_vector", unavailable)
    df = spark.createDataFrame(ROWS, SCHEMA)
    assert arrow_friendly(df) is df


@pytest.mark.spark
def test_columns_named_with_dots_and_backticks_reach_python_by_their_names(spark):
    schema = StructType([StructField("user.id", LongType()), StructField("odd`name", VectorUDT())])
    df = spark.createDataFrame([(1, Vectors.dense([1.0])), (2, None)], schema)
    names = df.columns

    def check(batches):
        for batch in batches:
            restored = standard_layout(batch, names)
            assert restored.schema.names == names
            yield restored

    back = for_map_in_arrow(df).mapInArrow(check, df.schema)
    assert back.columns == names and sorted(back.collect()) == sorted(df.collect())
