"""The Amazon Record protobuf: vectorized encoders for training data and requests, and a
decoder for algorithm responses.

Encoding writes the wire format directly (it is small and fixed), byte-identical to the
protobuf library and to the original SageMaker Spark: features (field 1) before label
(field 2), each a single map entry keyed ``"values"`` holding a packed ``float32_tensor``.
Decoding uses the generated ``record_pb2`` module.

Float64 input is narrowed with numpy's ``astype(float32)``: IEEE round-to-nearest-even,
overflow to infinity, NaN payloads kept as the JVM's ``(float)`` cast keeps them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from smspark_core.codecs import recordio
from smspark_core.codecs.record_pb2 import Record, Value
from smspark_core.codecs.varint import encode_varints, varint, varint_sizes

VALUES_KEY = "values"
_ENTRY_KEY = b"\x0a\x06values"  # map entry field 1 (key) = "values"


def to_float32(values: np.ndarray | Sequence[float]) -> np.ndarray:
    """Narrows to little-endian float32 exactly as the JVM's (float) cast does."""
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        return np.asarray(values, dtype=np.float64).astype("<f4")


def _field(number: int, payload_length: int) -> bytes:
    """Tag and length of a length-delimited field."""
    return varint(number << 3 | 2) + varint(payload_length)


def _map_entry(map_field: int, tensor: bytes, key: str = VALUES_KEY) -> bytes:
    """A ``features``/``label`` map entry ``{key: Value{float32_tensor: tensor}}``."""
    value = _field(2, len(tensor)) + tensor
    key_bytes = _ENTRY_KEY if key == VALUES_KEY else _field(1, len(key.encode())) + key.encode()
    entry = key_bytes + _field(2, len(value)) + value
    return _field(map_field, len(entry)) + entry


def float32_tensor(
    values: bytes, count: int, keys: bytes = b"", shape: Sequence[int] | None = None
) -> bytes:
    """A serialized Float32Tensor from little-endian float32 bytes and varint-encoded keys."""
    parts = []
    if count:
        parts.append(_field(1, len(values)) + values)
    if keys:
        parts.append(_field(2, len(keys)) + keys)
    if shape is not None:
        encoded_shape = b"".join(varint(int(s)) for s in shape)
        parts.append(_field(3, len(encoded_shape)) + encoded_shape)
    return b"".join(parts)


def label_entry(label: float) -> bytes:
    """The label map entry for one label value."""
    return _map_entry(2, float32_tensor(to_float32([label]).tobytes(), 1))


def record(features_tensor: bytes, label: float | None = None) -> bytes:
    """One serialized Record from a serialized features tensor and an optional label."""
    out = _map_entry(1, features_tensor)
    return out if label is None else out + label_entry(label)


def response_record(results: Mapping[str, Sequence[float]]) -> bytes:
    """One serialized response Record: each result a dense float32 tensor in the ``label``
    map under its key (how the first-party algorithms answer, e.g. ``closest_cluster``)."""
    return b"".join(
        _map_entry(2, dense_tensor(np.atleast_1d(values)), key) for key, values in results.items()
    )


# --------------------------------------------------------------------------- dense batches


def _dense_prefix(dim: int) -> bytes:
    """Everything of a dense record's features entry that comes before its float32 bytes."""
    if dim == 0:
        return _map_entry(1, b"")
    tensor_head = _field(1, 4 * dim)
    tensor_len = len(tensor_head) + 4 * dim
    value_len = len(_field(2, tensor_len)) + tensor_len
    entry_len = len(_ENTRY_KEY) + len(_field(2, value_len)) + value_len
    return (
        _field(1, entry_len) + _ENTRY_KEY + _field(2, value_len) + _field(2, tensor_len)
        + tensor_head
    )


def dense_records(features: np.ndarray, labels: np.ndarray | None = None) -> np.ndarray:
    """RecordIO-framed records for an (n, d) dense batch, with no loop over rows.

    Every record of a dense batch has the same layout, so the batch is one (n, size) uint8
    array: a constant prefix, the row's float32 bytes and, with labels, a constant label
    prefix and the label's float32 bytes. Returns that array (rows are the framed records).
    """
    features = np.asarray(features)
    n, dim = features.shape
    prefix = _dense_prefix(dim)
    label_prefix = label_entry(0.0)[:-4] if labels is not None else b""
    payload_len = len(prefix) + 4 * dim + (len(label_prefix) + 4 if labels is not None else 0)

    payload = np.empty((n, payload_len), dtype=np.uint8)
    payload[:, : len(prefix)] = np.frombuffer(prefix, dtype=np.uint8)
    cursor = len(prefix)
    payload[:, cursor : cursor + 4 * dim] = to_float32(features).view(np.uint8).reshape(n, 4 * dim)
    cursor += 4 * dim
    if labels is not None:
        payload[:, cursor : cursor + len(label_prefix)] = np.frombuffer(label_prefix, np.uint8)
        cursor += len(label_prefix)
        payload[:, cursor:] = to_float32(labels).view(np.uint8).reshape(n, 4)
    return recordio.frame_fixed(payload)


# -------------------------------------------------------------------------- sparse batches


def sparse_records(
    indptr: np.ndarray,
    indices: np.ndarray,
    values: np.ndarray,
    sizes: np.ndarray,
    labels: np.ndarray | None = None,
    dense_rows: np.ndarray | None = None,
) -> tuple[bytes, np.ndarray]:
    """RecordIO-framed records for CSR-shaped rows; returns (stream, n+1 offsets).

    Rows flagged in ``dense_rows`` are written as dense tensors (values only), the others as
    sparse ones (values, keys, shape). Float narrowing and key varints are computed for the
    whole batch at once; the rows are then stitched from slices of those buffers.
    """
    n = len(indptr) - 1
    value_bytes = to_float32(values).tobytes()
    key_bytes, key_sizes = encode_varints(np.asarray(indices, dtype=np.uint64))
    key_ends = np.zeros(len(key_sizes) + 1, dtype=np.int64)
    np.cumsum(key_sizes, out=key_ends[1:])
    key_offsets = key_ends[np.asarray(indptr)]
    key_buffer = key_bytes.tobytes()
    payloads = []
    for i in range(n):
        lo, hi = int(indptr[i]), int(indptr[i + 1])
        if dense_rows is not None and dense_rows[i]:
            tensor = float32_tensor(value_bytes[4 * lo : 4 * hi], hi - lo)
        else:
            tensor = float32_tensor(
                value_bytes[4 * lo : 4 * hi],
                hi - lo,
                key_buffer[key_offsets[i] : key_offsets[i + 1]],
                (int(sizes[i]),),
            )
        payloads.append(record(tensor, None if labels is None else float(labels[i])))
    return recordio.frame_many(payloads)


def sparse_tensor(size: int, indices: np.ndarray, values: np.ndarray) -> bytes:
    """A serialized sparse Float32Tensor (``keys`` = indices, ``shape`` = [size])."""
    keys, _ = encode_varints(np.asarray(indices, dtype=np.uint64))
    return float32_tensor(to_float32(values).tobytes(), len(values), keys.tobytes(), (size,))


def dense_tensor(values: np.ndarray, shape: Sequence[int] | None = None) -> bytes:
    """A serialized dense Float32Tensor, with an optional shape (matrices)."""
    return float32_tensor(to_float32(values).tobytes(), len(values), b"", shape)


def encoded_keys_size(indices: np.ndarray) -> int:
    """Bytes the varint keys of ``indices`` take (used to size requests without encoding)."""
    return int(varint_sizes(indices).sum())


# ---------------------------------------------------------------------------------- decoding


@dataclass(frozen=True)
class Tensor:
    """A decoded tensor: float64 values, keys (empty when dense) and shape (may be empty)."""

    values: np.ndarray
    keys: np.ndarray
    shape: np.ndarray
    kind: str  # "float32", "float64" or "int32"


def decode_records(stream: bytes | bytearray | memoryview) -> list[Record]:
    """Parses a RecordIO stream of Amazon Records."""
    records = []
    for payload in recordio.iter_payloads(stream):
        message = Record()
        message.ParseFromString(payload)
        records.append(message)
    return records


def read_tensor(value: Value) -> Tensor | None:
    """The tensor held by a map value (float32, float64 or int32), or None for other kinds."""
    kind = value.WhichOneof("value")
    if kind not in ("float32_tensor", "float64_tensor", "int32_tensor"):
        return None
    tensor = getattr(value, kind)
    return Tensor(
        values=np.asarray(tensor.values, dtype=np.float64),
        keys=np.asarray(tensor.keys, dtype=np.uint64),
        shape=np.asarray(tensor.shape, dtype=np.uint64),
        kind=kind.split("_")[0],
    )
