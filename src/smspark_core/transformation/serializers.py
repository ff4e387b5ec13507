"""Request serializers: turn DataFrame rows into request bodies for a SageMaker endpoint.

Names and constructor keywords follow ``sagemaker_pyspark.transformation.serializers``.
A third party implements ``serialize_row``; the base class derives the batch method the
transform path uses. The built-in serializers override ``serialize_batch`` with numpy code.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
from pyspark.ml.linalg import DenseMatrix, SparseMatrix, SparseVector, Vector
from pyspark.sql import Row
from pyspark.sql.types import StructType

from smspark_core.codecs import amazon_record, recordio
from smspark_core.codecs.csv import csv_line
from smspark_core.codecs.libsvm import libsvm_line
from smspark_core.foundation.errors import RowError, SchemaError
from smspark_core.foundation.media_types import CSV, PROTOBUF, TEXT_LIBSVM
from smspark_core.transformation import arrow_vectors as av

MAX_REQUEST_BYTES = 6 * 1024 * 1024  # InvokeEndpoint's payload limit


@dataclass(frozen=True)
class SerializedBatch:
    """The request bytes of a batch of rows, back to back: row ``i`` is
    ``data[offsets[i]:offsets[i + 1]]``. Request bodies are cut between rows.

    ``data`` is any buffer (bytes, or a numpy array's memory) so that encoders need not copy
    it once more; ``body`` returns bytes."""

    data: bytes | memoryview
    offsets: np.ndarray

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def body(self, start: int, stop: int) -> bytes:
        """The bytes of rows ``start`` to ``stop - 1``."""
        return bytes(self.data[self.offsets[start] : self.offsets[stop]])

    @classmethod
    def from_rows(cls, rows: list[bytes]) -> SerializedBatch:
        offsets = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum([len(r) for r in rows], out=offsets[1:])
        return cls(b"".join(rows), offsets)

    @classmethod
    def from_fixed(cls, records: np.ndarray) -> SerializedBatch:
        """From an (n, size) array of equal-length records."""
        n, size = records.shape
        return cls(records.reshape(-1).data, np.arange(n + 1, dtype=np.int64) * size)


def _field_value(row: Row, column: str, row_index: int | None) -> Any:
    try:
        return row[column]
    except (KeyError, ValueError, IndexError, TypeError):
        fields = getattr(row, "__fields__", None) or "none"
        raise RowError(
            f"the row has no such column (fields: {fields})", column=column, row=row_index
        ) from None


def _batch_field(batch: pa.RecordBatch, column: str, kind: str) -> pa.Field:
    if column not in batch.schema.names:
        raise SchemaError(
            f"expected {kind} column named {column!r}; the data has "
            f"{', '.join(batch.schema.names) or 'no columns'}"
        )
    return batch.schema.field(column)


def _features(row: Row, column: str, row_index: int | None = None) -> Vector:
    value = _field_value(row, column, row_index)
    if value is None:
        raise RowError("features value is null", column=column, row=row_index)
    if not isinstance(value, Vector):
        raise RowError(
            f"expected a pyspark.ml.linalg Vector, got {type(value).__name__}",
            column=column,
            row=row_index,
        )
    return value


def _label(row: Row, column: str, row_index: int | None = None) -> float:
    value = _field_value(row, column, row_index)
    if value is None:
        raise RowError(
            "label is null (smspark does not write nulls as 0.0)", column=column, row=row_index
        )
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise RowError(
            f"label must be a number, got {type(value).__name__} {value!r}",
            column=column,
            row=row_index,
        )
    return float(value)


def _active(vector: Vector) -> tuple[np.ndarray, np.ndarray]:
    """(indices, values) of the entries foreachActive visits: all of a dense vector."""
    if isinstance(vector, SparseVector):
        return vector.indices, vector.values
    values = vector.toArray()
    return np.arange(len(values)), values


class RequestRowSerializer(ABC):
    """Turns rows into request bytes for one content type."""

    content_type: ClassVar[str]

    def __init__(self) -> None:
        self._schema: StructType | None = None

    def validate_schema(self, schema: StructType) -> None:  # noqa: B027 - optional hook
        """Raises SchemaError if rows of ``schema`` cannot be serialized. Default: accept."""

    def set_schema(self, schema: StructType) -> None:
        """Validates and remembers the schema of the rows to come (``setSchema``)."""
        self.validate_schema(schema)
        self._schema = schema

    setSchema = set_schema

    def columns_read(self, schema: StructType) -> list[str]:
        """The columns of ``schema`` that ``serialize_batch`` reads: only these travel to the
        Python workers during ``transform`` (the others stay on the JVM). Default: all."""
        return list(schema.names)

    @property
    def schema(self) -> StructType | None:
        """The schema given to the constructor or ``set_schema`` (the original's attribute);
        assigning one validates it as ``set_schema`` does."""
        return self._schema

    @schema.setter
    def schema(self, schema: StructType | None) -> None:
        if schema is None:
            self._schema = None
        else:
            self.set_schema(schema)

    @abstractmethod
    def serialize_row(self, row: Row) -> bytes:
        """The request bytes of one row."""

    def serialize_batch(self, batch: pa.RecordBatch, *, row_offset: int = 0) -> SerializedBatch:
        """Request bytes for every row of an Arrow batch. Derived from ``serialize_row``;
        subclasses replace it with a vectorized version."""
        out = []
        for i, row in enumerate(av.batch_to_rows(batch)):
            try:
                out.append(self.serialize_row(row))
            except RowError as error:
                raise RowError(
                    str(error).split(": ", 1)[1], column=error.column, row=row_offset + i
                ) from None
        return SerializedBatch.from_rows(out)

    def config(self) -> dict[str, Any]:
        """Constructor keywords, as JSON, to rebuild this serializer (persistence)."""
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> RequestRowSerializer:
        """The inverse of ``config`` (the schema is set again by the stage that uses it)."""
        return cls(**config)

    def __eq__(self, other: object) -> bool:
        """Two serializers are equal when they write the same bytes: same class and config."""
        return type(self) is type(other) and self.config() == other.config()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), repr(sorted(self.config().items()))))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items())
        return f"{type(self).__name__}({args})"


class _FeaturesSerializer(RequestRowSerializer):
    """Serializers reading one vector column."""

    def __init__(self, schema: StructType | None = None, featuresColumnName: str = "features"):
        super().__init__()
        self.featuresColumnName = featuresColumnName
        if schema is not None:
            self.set_schema(schema)

    def validate_schema(self, schema: StructType) -> None:
        av.require_vector_field(schema, self.featuresColumnName)

    def columns_read(self, schema: StructType) -> list[str]:
        return [self.featuresColumnName]

    def _feature_column(self, batch: pa.RecordBatch, row_offset: int) -> av.FeatureColumn:
        _batch_field(batch, self.featuresColumnName, "a Vector")
        return av.feature_column(
            batch.column(self.featuresColumnName), self.featuresColumnName, row_offset=row_offset
        )

    def config(self) -> dict[str, Any]:
        return {"featuresColumnName": self.featuresColumnName}


# ------------------------------------------------------------------------------- protobuf


def _matrix_tensor(matrix: DenseMatrix | SparseMatrix) -> bytes:
    """A matrix as shape [rows, cols] with row-major values; sparse keys are row*cols+col."""
    shape = (matrix.numRows, matrix.numCols)
    if isinstance(matrix, SparseMatrix):
        counts = np.diff(matrix.colPtrs)
        outer = np.repeat(np.arange(len(counts)), counts)
        inner = np.asarray(matrix.rowIndices)
        rows, cols = (outer, inner) if matrix.isTransposed else (inner, outer)
        keys, _ = amazon_record.encode_varints(rows * matrix.numCols + cols)
        values = amazon_record.to_float32(matrix.values)
        return amazon_record.float32_tensor(values.tobytes(), len(values), keys.tobytes(), shape)
    values = matrix.values if matrix.isTransposed else matrix.toArray().ravel()
    return amazon_record.dense_tensor(values, shape)


def vector_tensor(value: Vector | DenseMatrix | SparseMatrix) -> bytes:
    """The serialized Float32Tensor of a vector or matrix."""
    if isinstance(value, SparseVector):
        return amazon_record.sparse_tensor(value.size, value.indices, value.values)
    if isinstance(value, DenseMatrix | SparseMatrix):
        return _matrix_tensor(value)
    return amazon_record.dense_tensor(value.toArray())


def encode_records(
    batch: pa.RecordBatch,
    features_column: str,
    label_column: str | None,
    *,
    row_offset: int = 0,
    where: str = "",
    scratch: amazon_record.ScratchBuffer | None = None,
) -> SerializedBatch:
    """RecordIO-framed Amazon Records for an Arrow batch: the training-file and request layout.

    Dense batches take the fixed-layout path (no loop over rows), sparse ones the CSR path;
    a Matrix column goes row by row. The label is written when ``label_column`` is given.
    With ``scratch``, the records are written into its memory (valid until its next use).
    """
    field = _batch_field(batch, features_column, "a Vector")
    labels = None
    if label_column is not None:
        _batch_field(batch, label_column, "a numeric label")
        labels = av.label_column(
            batch.column(label_column), label_column, row_offset=row_offset, where=where
        )
    if av.is_matrix_arrow(field.type):
        return _encode_matrix_rows(batch, features_column, labels, row_offset, where)
    features = av.feature_column(
        batch.column(features_column), features_column, row_offset=row_offset, where=where
    )
    if features.dense is not None:
        return SerializedBatch.from_fixed(
            amazon_record.dense_records(features.dense, labels, scratch)
        )
    indptr, indices, values, sizes = features.csr()
    data, offsets = amazon_record.sparse_records(
        indptr,
        indices,
        values,
        sizes,
        labels,
        features.dense_rows,
        scratch,
    )
    return SerializedBatch(data, offsets)


def _encode_matrix_rows(batch, column, labels, row_offset, where) -> SerializedBatch:
    records = []
    for i, row in enumerate(av.batch_to_rows(batch.select([column]))):
        if row[0] is None:
            raise RowError("features value is null", column=column, row=row_offset + i, where=where)
        label = None if labels is None else labels[i]
        records.append(amazon_record.record(vector_tensor(row[0]), label))
    data, offsets = recordio.frame_many(records)
    return SerializedBatch(data, offsets)


class ProtobufRequestRowSerializer(_FeaturesSerializer):
    """One RecordIO-framed Amazon Record per row, features only (never a label).

    Accepts Matrix values too when no schema is set, as the original does.
    """

    content_type = PROTOBUF

    def serialize_row(self, row: Row) -> bytes:
        value = _field_value(row, self.featuresColumnName, None)
        if value is None:
            raise RowError("features value is null", column=self.featuresColumnName, row=None)
        if not isinstance(value, Vector | DenseMatrix | SparseMatrix):
            raise RowError(
                f"expected a Vector or Matrix, got {type(value).__name__}",
                column=self.featuresColumnName,
                row=None,
            )
        return recordio.frame(amazon_record.record(vector_tensor(value)))

    def serialize_batch(self, batch: pa.RecordBatch, *, row_offset: int = 0) -> SerializedBatch:
        return encode_records(batch, self.featuresColumnName, None, row_offset=row_offset)


# --------------------------------------------------------------------------------- LibSVM


class LibSVMRequestRowSerializer(_FeaturesSerializer):
    """``label index:value ...`` lines with 1-based indices; dense vectors emit every entry.

    Unlike the original, integer and float label columns are accepted and cast, and a null
    label is an error rather than 0.0.
    """

    content_type = TEXT_LIBSVM

    def __init__(
        self,
        schema: StructType | None = None,
        labelColumnName: str = "label",
        featuresColumnName: str = "features",
    ):
        self.labelColumnName = labelColumnName
        super().__init__(schema, featuresColumnName)

    def validate_schema(self, schema: StructType) -> None:
        av.require_numeric_field(schema, self.labelColumnName)
        super().validate_schema(schema)

    def columns_read(self, schema: StructType) -> list[str]:
        return [self.labelColumnName, self.featuresColumnName]

    def _row_label(self, row: Row) -> float:
        return _label(row, self.labelColumnName)

    def serialize_row(self, row: Row) -> bytes:
        indices, values = _active(_features(row, self.featuresColumnName))
        return libsvm_line(self._row_label(row), indices, values).encode()

    def _batch_labels(self, batch: pa.RecordBatch, row_offset: int) -> np.ndarray:
        _batch_field(batch, self.labelColumnName, "a numeric label")
        return av.label_column(
            batch.column(self.labelColumnName), self.labelColumnName, row_offset=row_offset
        )

    def serialize_batch(self, batch: pa.RecordBatch, *, row_offset: int = 0) -> SerializedBatch:
        features = self._feature_column(batch, row_offset)
        labels = self._batch_labels(batch, row_offset)
        lines = []
        for i in range(len(features)):
            _, indices, values = features.row(i)
            lines.append(libsvm_line(labels[i], indices, values).encode())
        return SerializedBatch.from_rows(lines)

    def config(self) -> dict[str, Any]:
        return {"labelColumnName": self.labelColumnName, **super().config()}


class UnlabeledLibSVMRequestRowSerializer(LibSVMRequestRowSerializer):
    """LibSVM lines with the label fixed at 0.0, for inference."""

    def __init__(self, schema: StructType | None = None, featuresColumnName: str = "features"):
        super().__init__(schema, "label", featuresColumnName)

    def validate_schema(self, schema: StructType) -> None:
        av.require_vector_field(schema, self.featuresColumnName)

    def columns_read(self, schema: StructType) -> list[str]:
        return [self.featuresColumnName]

    def _row_label(self, row: Row) -> float:
        return 0.0

    def _batch_labels(self, batch: pa.RecordBatch, row_offset: int) -> np.ndarray:
        return np.zeros(batch.num_rows)

    def config(self) -> dict[str, Any]:
        return {"featuresColumnName": self.featuresColumnName}


# ------------------------------------------------------------------------------------ CSV


def _check_csv_size(size: int, column: str, row: int | None) -> None:
    """Each densified value takes at least 4 bytes ("0.0,"): refuse before allocating."""
    if 4 * size > MAX_REQUEST_BYTES:
        raise RowError(
            f"a vector of size {size} densifies to at least {4 * size} bytes of CSV, beyond the "
            f"{MAX_REQUEST_BYTES}-byte InvokeEndpoint limit; use a sparse format (LibSVM or "
            "RecordIO-protobuf)",
            column=column,
            row=row,
        )


class UnlabeledCSVRequestRowSerializer(_FeaturesSerializer):
    """One line of comma-separated feature values per row; sparse vectors are densified."""

    content_type = CSV

    def serialize_row(self, row: Row) -> bytes:
        features = _features(row, self.featuresColumnName)
        _check_csv_size(len(features), self.featuresColumnName, None)
        return csv_line(features.toArray()).encode()

    def serialize_batch(self, batch: pa.RecordBatch, *, row_offset: int = 0) -> SerializedBatch:
        features = self._feature_column(batch, row_offset)
        lines = []
        for i in range(len(features)):
            size, indices, values = features.row(i)
            _check_csv_size(size, self.featuresColumnName, row_offset + i)
            if features.dense is None:
                dense = np.zeros(size)
                dense[indices] = values
                values = dense
            lines.append(csv_line(values).encode())
        return SerializedBatch.from_rows(lines)
