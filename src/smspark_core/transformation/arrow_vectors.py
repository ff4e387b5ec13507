"""pyspark.ml vectors and matrices in Arrow, as mapInArrow and the Arrow data source see them.

Spark hands a VectorUDT column to Python as its SQL type, the struct
``<type: int8, size: int32, indices: list<int32>, values: list<double>>`` (type 0 = sparse,
1 = dense). This module turns such a column into numpy arrays (dense matrix or CSR) for the
vectorized codecs, and builds the struct back from decoded predictions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pyspark.ml.linalg import MatrixUDT, SparseVector, Vector, VectorUDT
from pyspark.sql import Row
from pyspark.sql.types import (
    DataType,
    DoubleType,
    FloatType,
    IntegerType,
    LongType,
    ShortType,
    StructType,
)

from smspark_core.foundation.errors import RowError, SchemaError

SPARSE, DENSE = 0, 1
VECTOR_FIELDS = ("type", "size", "indices", "values")
MATRIX_FIELDS = ("type", "numRows", "numCols", "colPtrs", "rowIndices", "values", "isTransposed")
NUMERIC_LABEL_TYPES = (DoubleType, FloatType, IntegerType, LongType, ShortType)

VECTOR_ARROW_TYPE = pa.struct(
    [
        pa.field("type", pa.int8(), nullable=False),
        pa.field("size", pa.int32()),
        pa.field("indices", pa.list_(pa.field("element", pa.int32(), nullable=False))),
        pa.field("values", pa.list_(pa.field("element", pa.float64(), nullable=False))),
    ]
)


def _struct_names(arrow_type: pa.DataType) -> tuple[str, ...]:
    if not pa.types.is_struct(arrow_type):
        return ()
    return tuple(arrow_type.field(i).name for i in range(arrow_type.num_fields))


def is_vector_arrow(arrow_type: pa.DataType) -> bool:
    return _struct_names(arrow_type) == VECTOR_FIELDS


def is_matrix_arrow(arrow_type: pa.DataType) -> bool:
    return _struct_names(arrow_type) == MATRIX_FIELDS


def describe_fields(schema: StructType) -> str:
    return ", ".join(f"{f.name}: {f.dataType.simpleString()}" for f in schema.fields) or "none"


def require_vector_field(schema: StructType, column: str, *, allow_matrix: bool = False) -> None:
    """Raises SchemaError unless ``schema`` has a vector (or matrix) column named ``column``.

    A struct with the vector's SQL fields (what ``arrow_transport.arrow_friendly`` makes of a
    vector column) counts as a vector."""
    if column not in schema.names:
        raise SchemaError(
            f"expected a Vector column named {column!r}; the schema has {describe_fields(schema)}"
        )
    data_type = schema[column].dataType
    if isinstance(data_type, StructType) and tuple(data_type.names) == VECTOR_FIELDS:
        return
    accepted: tuple[type[DataType], ...] = (VectorUDT, MatrixUDT) if allow_matrix else (VectorUDT,)
    if not isinstance(data_type, accepted):
        kind = "a Vector or Matrix" if allow_matrix else "a Vector (pyspark.ml.linalg)"
        raise SchemaError(f"column {column!r} must be {kind}, got {data_type.simpleString()}")


def require_numeric_field(schema: StructType, column: str) -> None:
    """Raises SchemaError unless ``schema`` has a numeric label column named ``column``."""
    if column not in schema.names:
        raise SchemaError(
            f"expected a numeric label column named {column!r}; the schema has "
            f"{describe_fields(schema)}"
        )
    data_type = schema[column].dataType
    if not isinstance(data_type, NUMERIC_LABEL_TYPES):
        raise SchemaError(
            f"label column {column!r} must be numeric (double, float, int, long or short), "
            f"got {data_type.simpleString()}"
        )


# ------------------------------------------------------------------ Arrow column -> numpy


@dataclass(frozen=True)
class FeatureColumn:
    """A batch of vectors: ``dense`` (n, d) when every row is dense with one length,
    otherwise CSR arrays (dense rows included with all their entries, zeros too, and
    flagged in ``dense_rows`` so that encoders can keep them dense)."""

    dense: np.ndarray | None
    indptr: np.ndarray | None = None
    indices: np.ndarray | None = None
    values: np.ndarray | None = None
    sizes: np.ndarray | None = None
    dense_rows: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.dense) if self.dense is not None else len(self.csr()[0]) - 1

    def csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(indptr, indices, values, sizes) of a batch that is not ``dense``."""
        indptr, indices, values, sizes = self.indptr, self.indices, self.values, self.sizes
        # feature_column sets all four whenever it leaves dense None.
        assert indptr is not None and indices is not None
        assert values is not None and sizes is not None
        return indptr, indices, values, sizes

    def row(self, i: int) -> tuple[int, np.ndarray, np.ndarray]:
        """(size, indices, values) of row ``i``: the active entries in stored order."""
        if self.dense is not None:
            width = self.dense.shape[1]
            return width, np.arange(width), self.dense[i]
        indptr, indices, values, sizes = self.csr()
        lo, hi = indptr[i], indptr[i + 1]
        return int(sizes[i]), indices[lo:hi], values[lo:hi]


def _list_parts(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets rebased to 0, flat values) of a list array, honouring slicing."""
    offsets = array.offsets.to_numpy(zero_copy_only=False).astype(np.int64)
    flat = array.values.slice(offsets[0], offsets[-1] - offsets[0])
    return offsets - offsets[0], flat.to_numpy(zero_copy_only=False)


def first_null(array: pa.Array) -> int | None:
    if array.null_count == 0:
        return None
    return int(np.flatnonzero(array.is_null().to_numpy(zero_copy_only=False))[0])


def feature_column(
    column: pa.Array | pa.ChunkedArray, name: str, *, row_offset: int = 0, where: str = ""
) -> FeatureColumn:
    """Reads a VectorUDT Arrow column into numpy, with no loop over rows.

    Raises RowError for a null vector, naming the column and the row.
    """
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if not is_vector_arrow(column.type):
        raise SchemaError(
            f"column {name!r} must be a Vector (pyspark.ml.linalg), got {column.type}"
        )
    null_at = first_null(column)
    if null_at is not None:
        raise RowError("features value is null", column=name, row=row_offset + null_at, where=where)
    kinds = column.field("type").to_numpy(zero_copy_only=False)
    value_offsets, values = _list_parts(column.field("values"))
    lengths = np.diff(value_offsets)
    n = len(column)
    if n and (kinds == DENSE).all() and (lengths == lengths[0]).all():
        return FeatureColumn(dense=values.reshape(n, int(lengths[0])))
    if n == 0:
        return FeatureColumn(dense=np.zeros((0, 0)))
    sizes = column.field("size").fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    sizes = np.where(kinds == DENSE, lengths, sizes)
    indices_array = column.field("indices")
    index_lengths = pc.list_value_length(indices_array).fill_null(0).to_numpy(zero_copy_only=False)
    flat_indices = pc.list_flatten(indices_array).to_numpy(zero_copy_only=False)
    dense_rows = kinds == DENSE
    if (index_lengths[~dense_rows] != lengths[~dense_rows]).any():
        raise SchemaError(f"column {name!r} holds a sparse vector whose indices and values differ")
    if dense_rows.any():
        # Sparse rows take their stored indices; dense rows take 0..len-1.
        within_row = np.arange(len(values)) - np.repeat(value_offsets[:-1], lengths)
        indices = np.empty(len(values), dtype=np.int64)
        is_dense_entry = np.repeat(dense_rows, lengths)
        indices[is_dense_entry] = within_row[is_dense_entry]
        indices[~is_dense_entry] = flat_indices
    else:
        indices = flat_indices
    return FeatureColumn(
        dense=None,
        indptr=value_offsets,
        indices=indices,
        values=values,
        sizes=sizes,
        dense_rows=dense_rows,
    )


def label_column(
    column: pa.Array | pa.ChunkedArray, name: str, *, row_offset: int = 0, where: str = ""
) -> np.ndarray:
    """A numeric label column as float64; a null label or a non-numeric type is an error."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if not (pa.types.is_integer(column.type) or pa.types.is_floating(column.type)):
        raise SchemaError(f"label column {name!r} must be numeric, got {column.type}")
    null_at = first_null(column)
    if null_at is not None:
        raise RowError(
            "label is null (smspark does not write nulls as 0.0)",
            column=name,
            row=row_offset + null_at,
            where=where,
        )
    return column.to_numpy(zero_copy_only=False).astype(np.float64)


# ------------------------------------------------------------------ rows <-> Arrow


def _from_arrow_value(value: Any, arrow_type: pa.DataType) -> Any:
    if value is None:
        return None
    if is_vector_arrow(arrow_type):
        return VectorUDT().deserialize(tuple(value[k] for k in VECTOR_FIELDS))
    if is_matrix_arrow(arrow_type):
        return MatrixUDT().deserialize(tuple(value[k] for k in MATRIX_FIELDS))
    return value


def batch_to_rows(batch: pa.RecordBatch) -> list[Row]:
    """Rows with their field names, vectors and matrices as pyspark.ml objects."""
    names = batch.schema.names
    columns = [
        [_from_arrow_value(v, batch.schema.field(i).type) for v in batch.column(i).to_pylist()]
        for i in range(batch.num_columns)
    ]
    row_type = Row(*names)
    return [row_type(*values) for values in zip(*columns)] if names else []


def vector_to_arrow_value(vector: Vector) -> dict[str, Any]:
    if isinstance(vector, SparseVector):
        return {
            "type": SPARSE,
            "size": int(vector.size),
            "indices": vector.indices.tolist(),
            "values": vector.values.tolist(),
        }
    return {"type": DENSE, "size": None, "indices": None, "values": vector.toArray().tolist()}


def arrow_type_for(data_type: DataType) -> pa.DataType:
    """The Arrow type Spark expects for a prediction column of ``data_type``."""
    if isinstance(data_type, VectorUDT):
        return VECTOR_ARROW_TYPE
    from pyspark.sql.pandas.types import to_arrow_type

    return to_arrow_type(data_type)


def rows_to_batch(rows: Sequence[Sequence[Any]], schema: StructType) -> pa.RecordBatch:
    """Rows (positional per ``schema``) as an Arrow batch in Spark's layout."""
    arrays = []
    for i, field in enumerate(schema.fields):
        values = [row[i] for row in rows]
        if isinstance(field.dataType, VectorUDT):
            values = [None if v is None else vector_to_arrow_value(v) for v in values]
        elif isinstance(field.dataType, MatrixUDT):
            raise SchemaError(f"prediction column {field.name!r}: Matrix results are not supported")
        arrays.append(pa.array(values, type=arrow_type_for(field.dataType)))
    return pa.RecordBatch.from_arrays(arrays, names=schema.names)
