"""Response deserializers: turn an endpoint's response body into prediction rows.

Names and constructor keywords follow ``sagemaker_pyspark.transformation.deserializers``.
A third party implements ``deserialize_response``; the base class derives the Arrow batch
method the transform path uses.

Deliberate differences from the original (each has its own test): float64 and int32
response tensors are read; a one-value tensor for a Vector column gives a one-element
vector, and several values for a Double column are an error; sparse keys or shapes beyond
the int32 range are an error; XGBoost CSV predictions may be separated by commas or
newlines, and an empty body is zero predictions.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
from pyspark.ml.linalg import DenseVector, SparseVector, VectorUDT
from pyspark.sql import Row
from pyspark.sql.types import DoubleType, StructField, StructType

from smspark_core.codecs import amazon_record, csv, jsonlines, libsvm, recordio
from smspark_core.codecs.recordio import RecordIOError
from smspark_core.foundation.errors import ResponseError
from smspark_core.foundation.keywords import attribute_aliases, keyword_aliases
from smspark_core.foundation.media_types import CSV, PROTOBUF, TEXT_LIBSVM
from smspark_core.transformation import arrow_vectors as av

_INT32_MAX = 2**31 - 1


class ResponseRowDeserializer(ABC):
    """Turns one response body into rows of ``schema``, one per input row of the request."""

    # The Accept media type: set by each class, and per instance where it is configurable.
    accepts: str

    @property
    @abstractmethod
    def schema(self) -> StructType:
        """The prediction columns this deserializer produces."""

    @abstractmethod
    def deserialize_response(self, body: bytes) -> list[Row]:
        """The prediction rows of one response body, in request order."""

    def deserialize_batch(self, body: bytes) -> pa.RecordBatch:
        """The predictions as Arrow columns in Spark's layout (vectors as VectorUDT structs).
        Derived from ``deserialize_response``; subclasses may replace it."""
        return av.rows_to_batch(self.deserialize_response(body), self.schema)

    def config(self) -> dict[str, Any]:
        """Constructor keywords, as JSON, to rebuild this deserializer (persistence)."""
        return {}

    def __eq__(self, other: object) -> bool:
        """Two deserializers are equal when they read the same columns: same class and
        config."""
        return type(self) is type(other) and self.config() == other.config()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), repr(sorted(self.config().items()))))

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> ResponseRowDeserializer:
        """The inverse of ``config``."""
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items())
        return f"{type(self).__name__}({args})"


# ------------------------------------------------------------------------------- protobuf


def _vector(tensor: amazon_record.Tensor, key: str, record: int) -> DenseVector | SparseVector:
    if len(tensor.keys) == 0:
        return DenseVector(tensor.values)
    if len(tensor.shape) != 1:
        raise ResponseError(
            f"record {record}, key {key!r}: a sparse tensor needs a one-entry shape, got "
            f"{tensor.shape.tolist()}"
        )
    size = int(tensor.shape[0])
    if size > _INT32_MAX or (tensor.keys > _INT32_MAX).any():
        raise ResponseError(
            f"record {record}, key {key!r}: sparse shape {size} or keys beyond the int32 range "
            "cannot be a Spark vector"
        )
    keys = tensor.keys.astype(np.int64)
    if len(keys) != len(tensor.values):
        raise ResponseError(
            f"record {record}, key {key!r}: {len(keys)} keys for {len(tensor.values)} values"
        )
    if (keys >= size).any():
        raise ResponseError(
            f"record {record}, key {key!r}: index {int(keys.max())} out of bounds for a vector "
            f"of size {size}"
        )
    if (np.diff(keys) <= 0).any():
        raise ResponseError(f"record {record}, key {key!r}: keys are not strictly increasing")
    return SparseVector(size, keys, tensor.values)


def _read_varint(data: bytes, position: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[position]
        result |= (byte & 0x7F) << shift
        position += 1
        if byte < 0x80:
            return result, position
        shift += 7


def _float32_label_layout(payload: bytes) -> dict[str, tuple[int, int]] | None:
    """For one Record: each label key's (offset of its packed float32 values, count), when
    every label value is a plain dense float32 tensor; None for any other shape."""
    layout: dict[str, tuple[int, int]] = {}
    position = 0
    try:
        while position < len(payload):
            tag, position = _read_varint(payload, position)
            if tag & 7 != 2:
                return None
            length, position = _read_varint(payload, position)
            end = position + length
            if tag >> 3 == 2:  # a label map entry: key = 1, value = 2
                entry_tag, cursor = _read_varint(payload, position)
                key_length, cursor = _read_varint(payload, cursor)
                key = payload[cursor : cursor + key_length].decode()
                cursor += key_length
                value_tag, cursor = _read_varint(payload, cursor)
                _, cursor = _read_varint(payload, cursor)
                tensor_tag, cursor = _read_varint(payload, cursor)  # Value.float32_tensor
                if (entry_tag, value_tag, tensor_tag) != (0x0A, 0x12, 0x12) or key in layout:
                    return None
                _, cursor = _read_varint(payload, cursor)
                values_tag, cursor = _read_varint(payload, cursor)
                if values_tag != 0x0A:
                    return None
                values_length, cursor = _read_varint(payload, cursor)
                if cursor + values_length != end or values_length % 4:
                    return None  # keys or shape follow, or a malformed length
                layout[key] = (cursor, values_length // 4)
            position = end
    except (IndexError, UnicodeDecodeError):
        return None
    return layout if position == len(payload) else None


def _dense_vector_column(values: np.ndarray) -> pa.Array:
    """An (n, d) array as a column of dense VectorUDT structs."""
    n, width = values.shape
    offsets = pa.array(np.arange(n + 1, dtype=np.int32) * width)
    return pa.StructArray.from_arrays(
        [
            pa.array(np.full(n, av.DENSE, np.int8)),
            pa.nulls(n, pa.int32()),
            pa.nulls(n, av.VECTOR_ARROW_TYPE.field("indices").type),
            pa.ListArray.from_arrays(
                offsets, pa.array(values.ravel()), type=av.VECTOR_ARROW_TYPE.field("values").type
            ),
        ],
        fields=list(av.VECTOR_ARROW_TYPE),
    )


class ProtobufResponseRowDeserializer(ResponseRowDeserializer):
    """Reads RecordIO-protobuf responses: one Record per input row, results in its ``label``
    map under ``protobufKeys`` (by default the schema's field names), in schema order."""

    accepts = PROTOBUF

    def __init__(self, schema: StructType, protobufKeys: Sequence[str] | None = None):
        self._schema = schema
        self.protobufKeys = list(protobufKeys) if protobufKeys is not None else list(schema.names)
        if len(self.protobufKeys) != len(schema.fields):
            raise ValueError(
                f"protobufKeys {self.protobufKeys} must name one key per schema field "
                f"({len(schema.fields)}: {schema.names})"
            )

    @property
    def schema(self) -> StructType:
        return self._schema

    def _cell(self, tensor: amazon_record.Tensor, field: StructField, key: str, record: int):
        if len(tensor.values) == 0:
            raise ResponseError(f"record {record}, key {key!r}: the tensor has no values")
        if isinstance(field.dataType, VectorUDT):
            return _vector(tensor, key, record)
        if isinstance(field.dataType, DoubleType):
            if len(tensor.values) != 1 or len(tensor.keys):
                raise ResponseError(
                    f"record {record}, key {key!r}: column {field.name!r} is a double but the "
                    f"response holds {len(tensor.values)} values"
                )
            return float(tensor.values[0])
        # Other column types: the original's rule, one value is a scalar, more a vector.
        return float(tensor.values[0]) if len(tensor.values) == 1 else _vector(tensor, key, record)

    def _row_values(self, record: amazon_record.Record, index: int) -> list[Any]:
        cells = []
        for key, field in zip(self.protobufKeys, self._schema.fields):
            if key not in record.label:
                present = list(record.label.keys())
                raise ResponseError(
                    f"record {index}: key {key!r} not found in the response's label map "
                    f"(keys present: {present})"
                )
            tensor = amazon_record.read_tensor(record.label[key])
            if tensor is None:
                raise ResponseError(f"record {index}, key {key!r}: the value is not a tensor")
            cells.append(self._cell(tensor, field, key, index))
        return cells

    def _records(self, body: bytes) -> list[amazon_record.Record]:
        try:
            return amazon_record.decode_records(body)
        except RecordIOError as error:
            raise ResponseError(f"malformed RecordIO-protobuf response: {error}") from None

    def deserialize_response(self, body: bytes) -> list[Row]:
        row_type = Row(*self._schema.names)
        return [row_type(*self._row_values(r, i)) for i, r in enumerate(self._records(body))]

    def deserialize_batch(self, body: bytes) -> pa.RecordBatch:
        fast = self._fixed_layout_batch(body)
        if fast is not None:
            return fast
        rows = [self._row_values(r, i) for i, r in enumerate(self._records(body))]
        return av.rows_to_batch(rows, self._schema)

    def _fixed_layout_batch(self, body: bytes) -> pa.RecordBatch | None:
        """Most algorithm responses are equal-length records of one layout: learn where each
        key's float32 values sit from the first record, check that every other record
        differs only there, and read all values through one strided view. None (use the
        general path) for anything else."""
        view = memoryview(body).cast("B")
        spans = recordio._fixed_stride_spans(view)
        if spans is None or len(spans) == 0:
            return None
        start, end = (int(x) for x in spans[0])
        stride = int(spans[1][0] - spans[0][0]) if len(spans) > 1 else len(view)
        layout = _float32_label_layout(bytes(view[start:end]))
        if layout is None or any(key not in layout for key in self.protobufKeys):
            return None
        records = np.frombuffer(view, np.uint8).reshape(len(spans), stride)[:, start:end]
        fixed = np.ones(end - start, bool)
        for offset, count in layout.values():
            fixed[offset : offset + 4 * count] = False
        if not (records[:, fixed] == records[0, fixed]).all():
            return None
        columns = []
        for key, field in zip(self.protobufKeys, self._schema.fields):
            offset, count = layout[key]
            values = np.ascontiguousarray(records[:, offset : offset + 4 * count])
            values = values.view("<f4").reshape(len(spans), count).astype(np.float64)
            if isinstance(field.dataType, DoubleType) and count == 1:
                columns.append(pa.array(values[:, 0]))
            elif isinstance(field.dataType, VectorUDT) and count >= 1:
                columns.append(_dense_vector_column(values))
            else:
                return None  # let the general path apply (or report) the per-type rules
        return pa.RecordBatch.from_arrays(columns, names=self._schema.names)

    def config(self) -> dict[str, Any]:
        return {"schema": self._schema.jsonValue(), "protobufKeys": self.protobufKeys}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> ProtobufResponseRowDeserializer:
        return cls(StructType.fromJson(config["schema"]), config.get("protobufKeys"))


# ------------------------------------------------------------------------------------ CSV


def json_scores(body: bytes, key: str = "score") -> list[Any]:
    """The per-row ``score`` of an XGBoost JSON answer (``{"predictions": [{"score": ...}]}``)
    or JSON Lines answer (one ``{"score": ...}`` per line)."""
    scores = []
    for index, item in enumerate(jsonlines.response_objects(body)):
        if not isinstance(item, dict) or key not in item:
            raise ResponseError(f"row {index} of the JSON response has no {key!r}: {item!r}")
        scores.append(item[key])
    return scores


@attribute_aliases(prediction_column_name="predictionColumnName")
class XGBoostCSVRowDeserializer(ResponseRowDeserializer):
    """One prediction per value of a CSV body (comma- or newline-separated); a JSON or
    JSON Lines body (``score`` per row) is read too."""

    accepts = CSV

    @keyword_aliases(predictionColumnName="prediction_column_name")
    def __init__(self, prediction_column_name: str = "prediction"):
        self.predictionColumnName = prediction_column_name

    @property
    def schema(self) -> StructType:
        return StructType([StructField(self.predictionColumnName, DoubleType(), nullable=False)])

    def _predictions(self, body: bytes) -> list[float]:
        if body.lstrip()[:1] == b"{":
            return [float(score) for score in json_scores(body)]
        try:
            return csv.parse_predictions(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as error:
            raise ResponseError(f"malformed CSV response: {error}") from None

    def deserialize_response(self, body: bytes) -> list[Row]:
        row_type = Row(self.predictionColumnName)
        return [row_type(p) for p in self._predictions(body)]

    def deserialize_batch(self, body: bytes) -> pa.RecordBatch:
        values = pa.array(self._predictions(body), type=pa.float64())
        return pa.RecordBatch.from_arrays([values], names=[self.predictionColumnName])

    def config(self) -> dict[str, Any]:
        return {"predictionColumnName": self.predictionColumnName}


# --------------------------------------------------------------------------------- LibSVM


class LibSVMResponseRowDeserializer(ResponseRowDeserializer):
    """LibSVM lines into (label, SparseVector of size ``dim``) rows."""

    accepts = TEXT_LIBSVM

    def __init__(
        self, dim: int, labelColumnName: str = "label", featuresColumnName: str = "features"
    ):
        if dim < 0:
            raise ValueError(f"dim must not be negative, got {dim}")
        self.dim = dim
        self.labelColumnName = labelColumnName
        self.featuresColumnName = featuresColumnName

    @property
    def schema(self) -> StructType:
        return StructType(
            [
                StructField(self.labelColumnName, DoubleType(), nullable=False),
                StructField(self.featuresColumnName, VectorUDT(), nullable=False),
            ]
        )

    def deserialize_response(self, body: bytes) -> list[Row]:
        try:
            parsed = libsvm.parse_libsvm(body.decode("utf-8"), self.dim)
        except (ValueError, UnicodeDecodeError) as error:
            raise ResponseError(f"malformed LibSVM response: {error}") from None
        row_type = Row(self.labelColumnName, self.featuresColumnName)
        return [row_type(label, SparseVector(self.dim, idx, vals)) for label, idx, vals in parsed]

    def config(self) -> dict[str, Any]:
        return {
            "dim": self.dim,
            "labelColumnName": self.labelColumnName,
            "featuresColumnName": self.featuresColumnName,
        }
