"""The batch paths inside Spark's mapInArrow, as transform() will use them."""

from __future__ import annotations

import pyarrow as pa
import pytest
from pyspark.ml.linalg import DenseVector, Vectors, VectorUDT
from pyspark.sql.types import BinaryType, DoubleType, StructField, StructType

from smspark_core.codecs import amazon_record, recordio
from smspark_core.transformation.deserializers import ProtobufResponseRowDeserializer
from smspark_core.transformation.serializers import (
    LibSVMRequestRowSerializer,
    ProtobufRequestRowSerializer,
    UnlabeledCSVRequestRowSerializer,
)

pytestmark = pytest.mark.spark

ROWS = [
    (1.0, Vectors.dense([0.5, 1.5, -2.0])),
    (0.0, Vectors.sparse(3, [2], [7.0])),
    (2.0, Vectors.dense([1e-4, 1e7, 0.0])),
]
SCHEMA = StructType([StructField("label", DoubleType()), StructField("features", VectorUDT())])


@pytest.mark.parametrize(
    "serializer",
    [
        ProtobufRequestRowSerializer(),
        LibSVMRequestRowSerializer(),
        UnlabeledCSVRequestRowSerializer(),
    ],
    ids=lambda s: type(s).__name__,
)
def test_serialize_batch_inside_map_in_arrow(spark, serializer):
    df = spark.createDataFrame(ROWS * 50, SCHEMA).repartition(2)

    def with_bodies(batches):
        for batch in batches:
            encoded = serializer.serialize_batch(batch)
            bodies = pa.array([encoded.body(i, i + 1) for i in range(len(encoded))], pa.binary())
            yield pa.RecordBatch.from_arrays(
                [*batch.columns, bodies], [*batch.schema.names, "body"]
            )

    out_schema = StructType([*SCHEMA.fields, StructField("body", BinaryType())])
    for row in df.mapInArrow(with_bodies, out_schema).collect():
        assert bytes(row.body) == serializer.serialize_row(row)


def test_deserialized_columns_append_to_the_input_batch(spark):
    """A response of k-means-shaped records becomes columns Spark reads back, vectors too."""
    schema = StructType(
        [StructField("distance", DoubleType()), StructField("closest", VectorUDT())]
    )
    deserializer = ProtobufResponseRowDeserializer(
        schema, ["distance_to_cluster", "closest_cluster"]
    )

    def fake_endpoint(batch: pa.RecordBatch) -> bytes:
        records = [
            amazon_record.response_record(
                {"closest_cluster": [7.0], "distance_to_cluster": sum(f["values"])}
            )
            for f in batch.column("features").to_pylist()
        ]
        return recordio.frame_many(records)[0]

    def predict(batches):
        for batch in batches:
            predictions = deserializer.deserialize_batch(fake_endpoint(batch))
            assert predictions.num_rows == batch.num_rows
            yield pa.RecordBatch.from_arrays(
                [*batch.columns, *predictions.columns],
                [*batch.schema.names, *predictions.schema.names],
            )

    df = spark.createDataFrame(ROWS, SCHEMA)
    out = df.mapInArrow(predict, StructType([*SCHEMA.fields, *schema.fields])).collect()
    assert [r.distance for r in out] == [0.0, 7.0, pytest.approx(1e7, rel=1e-6)]
    assert [r.closest for r in out] == [DenseVector([7.0])] * 3
