"""Reading the golden vectors of the original library (tests/data/golden, see its README)."""

from __future__ import annotations

import json
import math
import struct
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pyspark.ml.linalg import (
    DenseMatrix,
    DenseVector,
    MatrixUDT,
    SparseMatrix,
    SparseVector,
    VectorUDT,
)
from pyspark.sql import Row
from pyspark.sql.types import DoubleType, IntegerType, StringType, StructField, StructType

from smspark_core.foundation.errors import ResponseError

GOLDEN = Path(__file__).parent / "data" / "golden"

TYPES = {
    "double": DoubleType(),
    "int": IntegerType(),
    "string": StringType(),
    "vector": VectorUDT(),
    "matrix": MatrixUDT(),
}


def number(value: Any) -> Any:
    """A golden double: a JSON number, "Infinity", "-Infinity" or "NaN:<raw bits hex>"."""
    if isinstance(value, str):
        if value == "Infinity":
            return math.inf
        if value == "-Infinity":
            return -math.inf
        if value.startswith("NaN:"):
            return struct.unpack(">d", bytes.fromhex(value[4:]))[0]
    return value


def value(cell: Any) -> Any:
    """A golden cell as a Python/pyspark value."""
    if isinstance(cell, dict):
        kind = cell["type"]
        values = [float(number(v)) for v in cell["values"]]
        if kind == "dense":
            return DenseVector(values)
        if kind == "sparse":
            return SparseVector(cell["size"], cell["indices"], values)
        if kind == "dense_matrix":
            return DenseMatrix(cell["numRows"], cell["numCols"], values, cell["isTransposed"])
        if kind == "sparse_matrix":
            return SparseMatrix(
                cell["numRows"],
                cell["numCols"],
                cell["colPtrs"],
                cell["rowIndices"],
                values,
                cell["isTransposed"],
            )
        raise ValueError(kind)
    return number(cell)


@cache
def load(kind: str, name: str) -> dict:
    return json.loads((GOLDEN / kind / f"{name}.json").read_text())


def manifest() -> dict:
    return json.loads((GOLDEN / "manifest.json").read_text())


def row_cases() -> list[str]:
    return [c["name"] for c in manifest()["cases"]["rows"]]


def deserializer_cases() -> list[dict]:
    return manifest()["cases"]["deserializers"]


def schema_of(case: dict) -> StructType:
    return StructType([StructField(f["name"], TYPES[f["type"]], True) for f in case["schema"]])


def rows_of(case: dict) -> list[Row]:
    names = [f["name"] for f in case["schema"]]
    factory = Row(*names)
    return [factory(*(value(r.get(n)) for n in names)) for r in case["rows"]]


def same_double(a: float, b: float) -> bool:
    """Equal as doubles, NaN equal to NaN, and the sign of zero respected."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1, a) == math.copysign(1, b)


def same_cell(ours: Any, theirs: Any) -> bool:
    if isinstance(theirs, SparseVector):
        return (
            isinstance(ours, SparseVector)
            and ours.size == theirs.size
            and list(ours.indices) == list(theirs.indices)
            and all(same_double(a, b) for a, b in zip(ours.values, theirs.values))
        )
    if isinstance(theirs, DenseVector):
        return (
            isinstance(ours, DenseVector)
            and len(ours) == len(theirs)
            and all(same_double(a, b) for a, b in zip(ours.values, theirs.values))
        )
    return isinstance(ours, float) and same_double(ours, float(theirs))


def assert_deserializer_matches(deserializer: Any, golden: dict, error: bool) -> None:
    """The deserializer reads the golden payload as the original did: the same rows, cell by
    cell, through both the row and the Arrow batch path, or a ResponseError where the
    original failed."""
    assert deserializer.accepts == golden["accepts"]
    assert deserializer.schema == StructType.fromJson(golden["schema"])
    body = bytes.fromhex(golden["payload_hex"])
    if error:
        with pytest.raises(ResponseError):
            deserializer.deserialize_response(body)
        with pytest.raises(ResponseError):
            deserializer.deserialize_batch(body)
        return
    rows = deserializer.deserialize_response(body)
    assert len(rows) == len(golden["rows"])
    for row, expected in zip(rows, golden["rows"]):
        assert len(row) == len(expected["values"])
        for ours, theirs in zip(row, expected["values"]):
            assert same_cell(ours, value(theirs)), (ours, theirs)
        if expected["schema_fields"] is not None:
            assert list(row.__fields__) == expected["schema_fields"]
    batch = deserializer.deserialize_batch(body)
    assert batch.num_rows == len(rows)
    assert batch.schema.names == deserializer.schema.names
