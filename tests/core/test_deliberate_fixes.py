"""Each place where smspark deliberately differs from the original (DESIGN.md), shown on
the golden payload or rows the original mishandled."""

from __future__ import annotations

import numpy as np
import pytest
from golden import load
from pyspark.ml.linalg import DenseVector, Vectors, VectorUDT
from pyspark.sql import Row
from pyspark.sql.types import DoubleType, IntegerType, StructField, StructType

from smspark_core.foundation.errors import ResponseError, RowError
from smspark_core.transformation.deserializers import (
    ProtobufResponseRowDeserializer,
    XGBoostCSVRowDeserializer,
)
from smspark_core.transformation.serializers import LibSVMRequestRowSerializer

KMEANS_KEYS = ["distance_to_cluster", "closest_cluster"]


def _payload(case: str) -> bytes:
    return bytes.fromhex(load("deserializers", case)["payload_hex"])


def _schema(case: str) -> StructType:
    return StructType.fromJson(load("deserializers", case)["schema"])


def test_null_label_is_an_error_not_zero():
    row = Row(label=None, features=Vectors.dense([1.0]))
    with pytest.raises(RowError, match="column 'label'.*label is null"):
        LibSVMRequestRowSerializer().serialize_row(row)


def test_integer_label_column_is_accepted_and_cast():
    schema = StructType([StructField("label", IntegerType()), StructField("features", VectorUDT())])
    serializer = LibSVMRequestRowSerializer(schema)  # the original rejected this schema
    assert serializer.serialize_row(Row(label=2, features=Vectors.dense([1.0]))) == b"2.0 1:1.0\n"


def test_non_numeric_label_names_column():
    with pytest.raises(RowError, match="column 'label'.*must be a number, got str"):
        LibSVMRequestRowSerializer().serialize_row(Row(label="a", features=Vectors.dense([1.0])))


def test_one_value_for_a_vector_column_is_a_one_element_vector():
    case = "pca_single_value_is_scalar"  # the original returned the scalar 0.5
    rows = ProtobufResponseRowDeserializer(_schema(case), ["projection"]).deserialize_response(
        _payload(case)
    )
    assert rows == [Row(projection=DenseVector([0.5]))]
    assert isinstance(rows[0].projection, DenseVector)


def test_several_values_for_a_double_column_is_an_error():
    case = "kmeans_vector_in_double_column"  # the original returned a vector anyway
    deserializer = ProtobufResponseRowDeserializer(_schema(case), KMEANS_KEYS)
    with pytest.raises(
        ResponseError, match="column 'closest_cluster' is a double but the response holds 2 values"
    ):
        deserializer.deserialize_response(_payload(case))


@pytest.mark.parametrize("case", ["kmeans_float64_tensor", "kmeans_int32_tensor"])
def test_float64_and_int32_tensors_are_read(case):
    # The original treated them as empty ("values list is empty").
    rows = ProtobufResponseRowDeserializer(_schema(case), KMEANS_KEYS).deserialize_response(
        _payload(case)
    )
    assert len(rows) == 1
    assert rows[0].closest_cluster == 1.0
    assert rows[0].distance_to_cluster == 0.5


@pytest.mark.parametrize(
    "case", ["pca_sparse_key_over_int_range", "pca_sparse_shape_over_int_range"]
)
def test_sparse_keys_or_shape_beyond_int32_are_an_error(case):
    # The original truncated them with .toInt (4294967298 became 2).
    deserializer = ProtobufResponseRowDeserializer(_schema(case), ["projection"])
    with pytest.raises(ResponseError, match="beyond the int32 range"):
        deserializer.deserialize_response(_payload(case))


def test_xgboost_csv_newline_separated_predictions():
    rows = XGBoostCSVRowDeserializer().deserialize_response(_payload("xgboost_newline_separated"))
    assert [r.prediction for r in rows] == [1.0, 2.0]
    assert XGBoostCSVRowDeserializer().deserialize_response(b"0.25\n0.5\n0.75\n") == [
        Row(prediction=0.25),
        Row(prediction=0.5),
        Row(prediction=0.75),
    ]


def test_xgboost_csv_empty_body_is_zero_predictions():
    assert XGBoostCSVRowDeserializer().deserialize_response(_payload("xgboost_empty")) == []
    assert XGBoostCSVRowDeserializer().deserialize_batch(b"").num_rows == 0


def test_xgboost_csv_garbage_names_the_position():
    with pytest.raises(ResponseError, match="prediction 1 of the CSV body is not a number: 'x'"):
        XGBoostCSVRowDeserializer().deserialize_response(b"1,x,2")


def test_double_schema_with_vector_and_sparse_vector_round_trip_through_arrow():
    schema = StructType([StructField("a", DoubleType()), StructField("b", VectorUDT())])
    case = "generic_protobuf_schema_names_as_keys"
    batch = ProtobufResponseRowDeserializer(schema).deserialize_batch(_payload(case))
    assert batch.column("a").to_pylist() == [1.0]
    assert batch.column("b").to_pylist() == [
        {"type": 1, "size": None, "indices": None, "values": [1.0, 2.0]}
    ]


def test_fixed_layout_batch_path_agrees_with_the_general_path():
    from smspark_core.codecs import amazon_record, recordio

    schema = StructType([StructField("d", DoubleType()), StructField("v", VectorUDT())])
    deserializer = ProtobufResponseRowDeserializer(schema, ["distance", "projection"])
    rng = np.random.default_rng(0)
    body = b"".join(
        recordio.frame(
            amazon_record.response_record(
                {"projection": rng.normal(size=3), "distance": [rng.normal()]}
            )
        )
        for _ in range(50)
    )
    assert deserializer._fixed_layout_batch(body) is not None  # the fast path applies
    fast = deserializer.deserialize_batch(body).to_pylist()
    general = [
        {"d": row.d, "v": {"type": 1, "size": None, "indices": None, "values": list(row.v)}}
        for row in deserializer.deserialize_response(body)
    ]
    assert fast == general
    # Several values for a double column: the fast path steps aside, the general one refuses.
    wrong = recordio.frame(
        amazon_record.response_record({"distance": [1.0, 2.0], "projection": [1.0]})
    )
    assert deserializer._fixed_layout_batch(wrong) is None
    with pytest.raises(ResponseError, match="is a double but the response holds 2 values"):
        deserializer.deserialize_batch(wrong)
