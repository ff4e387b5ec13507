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
from functools import lru_cache

import numpy as np

from smspark_core.codecs import recordio
from smspark_core.codecs.record_pb2 import Record, Value
from smspark_core.codecs.varint import encode_varints, varint, varint_sizes

VALUES_KEY = "values"
ENTRY_KEY = b"\x0a\x06values"  # map entry field 1 (key) = "values"


def to_float32(values: np.ndarray | Sequence[float]) -> np.ndarray:
    """Narrows to little-endian float32 exactly as the JVM's (float) cast does."""
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        return np.asarray(values, dtype=np.float64).astype("<f4")


@lru_cache(maxsize=65536)
def _field(number: int, payload_length: int) -> bytes:
    """Tag and length of a length-delimited field (cached: record layouts repeat)."""
    return varint(number << 3 | 2) + varint(payload_length)


def _map_entry(map_field: int, tensor: bytes, key: str = VALUES_KEY) -> bytes:
    """A ``features``/``label`` map entry ``{key: Value{float32_tensor: tensor}}``."""
    value = _field(2, len(tensor)) + tensor
    key_bytes = ENTRY_KEY if key == VALUES_KEY else _field(1, len(key.encode())) + key.encode()
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


# Every one-value label entry is these bytes followed by the label's four float32 bytes.
LABEL_PREFIX = label_entry(0.0)[:-4]
LABEL_ENTRY_SIZE = len(LABEL_PREFIX) + 4


def record(features_tensor: bytes, label: float | None = None) -> bytes:
    """One serialized Record from a serialized features tensor and an optional label."""
    out = _map_entry(1, features_tensor)
    return out if label is None else out + label_entry(label)


def response_record(results: Mapping[str, float | Sequence[float] | np.ndarray]) -> bytes:
    """One serialized response Record: each result (a number is a one-value tensor) a dense
    float32 tensor in the ``label`` map under its key (how the first-party algorithms answer,
    e.g. ``closest_cluster``)."""
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
    entry_len = len(ENTRY_KEY) + len(_field(2, value_len)) + value_len
    return (
        _field(1, entry_len)
        + ENTRY_KEY
        + _field(2, value_len)
        + _field(2, tensor_len)
        + tensor_head
    )


def _narrow_into(destination: np.ndarray, values: np.ndarray) -> None:
    """Writes ``values`` as little-endian float32 into a uint8 array (one pass, no temporary)."""
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        np.copyto(destination.view("<f4"), values, casting="unsafe")


class ScratchBuffer:
    """Memory that encoders reuse from batch to batch (one per writing task). Writing into
    pages already mapped saves the page faults of a fresh allocation per batch, which on a
    loaded machine cost more than the encoding itself."""

    def __init__(self) -> None:
        self._array = np.empty(0, np.uint8)

    def take(self, size: int) -> np.ndarray:
        """``size`` bytes (uint8, contents undefined), valid until the next ``take``."""
        if self._array.size < size:
            self._array = np.empty(size, np.uint8)
        return self._array[:size]


def _output(size: int, scratch: ScratchBuffer | None) -> np.ndarray:
    return scratch.take(size) if scratch is not None else np.empty(size, np.uint8)


def dense_records(
    features: np.ndarray, labels: np.ndarray | None = None, scratch: ScratchBuffer | None = None
) -> np.ndarray:
    """RecordIO-framed records for an (n, d) dense batch, with no loop over rows.

    Every record of a dense batch has the same layout, so the batch is one (n, size) uint8
    array whose rows are the framed records: a constant head (RecordIO header and protobuf
    prefix), the row's float32 bytes, then with labels a constant label prefix and the
    label's float32 bytes, then padding. The float64 values are narrowed straight into it.
    """
    features = np.asarray(features)
    n, dim = features.shape
    prefix = _dense_prefix(dim)
    label_prefix = LABEL_PREFIX if labels is not None else b""
    payload_len = len(prefix) + 4 * dim + (len(label_prefix) + 4 if labels is not None else 0)
    head = recordio.header(payload_len) + prefix

    size = (
        len(head)
        + 4 * dim
        + len(label_prefix)
        + (4 if labels is not None else 0)
        + recordio.padding(payload_len)
    )
    out = _output(n * size, scratch).reshape(n, size)
    out[:, : len(head)] = np.frombuffer(head, dtype=np.uint8)
    cursor = len(head)
    _narrow_into(out[:, cursor : cursor + 4 * dim], features)
    cursor += 4 * dim
    if labels is not None:
        out[:, cursor : cursor + len(label_prefix)] = np.frombuffer(label_prefix, np.uint8)
        cursor += len(label_prefix)
        _narrow_into(out[:, cursor : cursor + 4], np.asarray(labels).reshape(n, 1))
        cursor += 4
    out[:, cursor:] = 0
    return out


# -------------------------------------------------------------------------- sparse batches


def _length_field_sizes(lengths: np.ndarray) -> np.ndarray:
    """Bytes a length-delimited field of each length takes: tag, varint length, payload."""
    return 1 + varint_sizes(lengths) + lengths


def _row_sums(values: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """The sum of each CSR row's ``values`` (int64; 0 for an empty row). ``reduceat`` over
    the non-empty rows' starts: each sums up to the next non-empty row's start, which is its
    own end, as the rows between are empty."""
    counts = np.diff(indptr)
    sums = np.zeros(len(counts), np.int64)
    filled = counts > 0
    if filled.any():
        sums[filled] = np.add.reduceat(values, indptr[:-1][filled], dtype=np.int64)
    return sums


class _RowWriter:
    """Writes short per-row byte runs into a batch's records with no loop over rows.

    Each row's records are written front to back from its own cursor; every ``write`` appends
    one run per row (possibly empty) at all the row cursors at once, with one scatter.
    """

    def __init__(self, out: np.ndarray, starts: np.ndarray) -> None:
        self.out = out
        self.cursors = starts.copy()

    def write(self, data: np.ndarray, lengths: np.ndarray) -> None:
        """``data``: every row's run back to back, in row order; ``lengths``: each run's size."""
        if len(data):
            sources = np.cumsum(lengths) - lengths
            targets = np.repeat(self.cursors - sources, lengths) + np.arange(len(data))
            self.out[targets] = data
        self.cursors += lengths

    def constant(self, value: bytes, where: np.ndarray) -> None:
        """``value`` on the rows flagged in ``where``."""
        pattern = np.frombuffer(value, np.uint8)
        self.write(np.tile(pattern, int(where.sum())), where * len(value))

    def field(self, tag: int, lengths: np.ndarray, where: np.ndarray) -> None:
        """The tag and varint length of a length-delimited field, on the rows in ``where``."""
        self.constant(bytes([tag]), where)
        self.varints(lengths, where)

    def varints(self, values: np.ndarray, where: np.ndarray) -> None:
        """Each flagged row's value as a varint."""
        encoded, sizes = encode_varints(values[where])
        lengths = np.zeros(len(where), np.int64)
        lengths[where] = sizes
        self.write(encoded, lengths)


def sparse_records(
    indptr: np.ndarray,
    indices: np.ndarray,
    values: np.ndarray,
    sizes: np.ndarray,
    labels: np.ndarray | None = None,
    dense_rows: np.ndarray | None = None,
    scratch: ScratchBuffer | None = None,
) -> tuple[memoryview, np.ndarray]:
    """RecordIO-framed records for CSR-shaped rows; returns (stream, n+1 offsets).

    Rows flagged in ``dense_rows`` are written as dense tensors (values only), the others as
    sparse ones (values, keys, shape). Every length and varint is computed for the whole
    batch with numpy, and the short runs between a row's values and keys (headers, shape,
    label, padding) are scattered into place for all rows at once; the only loop over rows
    copies each row's float32 values and encoded keys, two slices.
    """
    indptr = np.asarray(indptr, dtype=np.int64)
    n = len(indptr) - 1
    counts = np.diff(indptr)
    is_sparse = np.ones(n, bool) if dense_rows is None else ~np.asarray(dense_rows, bool)
    value_bytes = to_float32(values).view(np.uint8)
    key_bytes, key_sizes = encode_varints(np.asarray(indices))
    row_key_bytes = _row_sums(key_sizes, indptr)
    key_starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(row_key_bytes, out=key_starts[1:])
    key_lengths = np.where(is_sparse, row_key_bytes, 0)
    sizes = np.asarray(sizes, dtype=np.uint64)
    shape_lengths = varint_sizes(sizes).astype(np.int64)

    has_values = counts > 0
    has_keys = key_lengths > 0
    tensor_lengths = (
        np.where(has_values, _length_field_sizes(4 * counts), 0)
        + np.where(has_keys, _length_field_sizes(key_lengths), 0)
        + np.where(is_sparse, _length_field_sizes(shape_lengths), 0)
    )
    value_lengths = _length_field_sizes(tensor_lengths)
    entry_lengths = len(ENTRY_KEY) + _length_field_sizes(value_lengths)
    label_part = LABEL_ENTRY_SIZE if labels is not None else 0
    payload_lengths = _length_field_sizes(entry_lengths) + label_part
    padding = -payload_lengths % 4
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(recordio.HEADER_SIZE + payload_lengths + padding, out=offsets[1:])

    out = _output(int(offsets[-1]), scratch)
    every = np.ones(n, bool)
    rows = _RowWriter(out, offsets[:-1])
    headers = np.empty((n, 2), "<u4")
    headers[:, 0] = recordio.MAGIC
    headers[:, 1] = payload_lengths
    rows.write(headers.view(np.uint8).ravel(), np.full(n, recordio.HEADER_SIZE))
    rows.field(0x0A, entry_lengths, every)  # Record.features
    rows.constant(ENTRY_KEY, every)
    rows.field(0x12, value_lengths, every)  # map entry value
    rows.field(0x12, tensor_lengths, every)  # Value.float32_tensor
    rows.field(0x0A, 4 * counts, has_values)  # Float32Tensor.values
    value_starts = rows.cursors.copy()
    rows.cursors += 4 * counts
    rows.field(0x12, key_lengths, has_keys)  # Float32Tensor.keys
    key_targets = rows.cursors.copy()
    rows.cursors += key_lengths
    rows.field(0x1A, shape_lengths, is_sparse)  # Float32Tensor.shape
    rows.varints(sizes, is_sparse)
    if labels is not None:
        label_head = np.frombuffer(LABEL_PREFIX, np.uint8)
        label_runs = np.empty((n, len(label_head) + 4), np.uint8)
        label_runs[:, : len(label_head)] = label_head
        label_runs[:, len(label_head) :] = to_float32(labels).view(np.uint8).reshape(n, 4)
        rows.write(label_runs.ravel(), np.full(n, label_runs.shape[1]))
    rows.write(np.zeros(int(padding.sum()), np.uint8), padding)

    view, values_view, keys_view = out.data, value_bytes.data, key_bytes.data
    for target, lo, hi, key_target, key_lo, key_length in zip(
        value_starts.tolist(),
        (4 * indptr[:-1]).tolist(),
        (4 * indptr[1:]).tolist(),
        key_targets.tolist(),
        key_starts[:-1].tolist(),
        key_lengths.tolist(),
        strict=True,
    ):
        view[target : target + hi - lo] = values_view[lo:hi]
        view[key_target : key_target + key_length] = keys_view[key_lo : key_lo + key_length]
    return view, offsets


def sparse_tensor(size: int, indices: np.ndarray, values: np.ndarray) -> bytes:
    """A serialized sparse Float32Tensor (``keys`` = indices, ``shape`` = [size])."""
    keys, _ = encode_varints(np.asarray(indices, dtype=np.uint64))
    return float32_tensor(to_float32(values).tobytes(), len(values), keys.tobytes(), (size,))


def dense_tensor(values: np.ndarray, shape: Sequence[int] | None = None) -> bytes:
    """A serialized dense Float32Tensor, with an optional shape (matrices)."""
    return float32_tensor(to_float32(values).tobytes(), len(values), b"", shape)


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


def decode_dense_batch(
    payloads: Sequence[bytes],
) -> tuple[np.ndarray, np.ndarray | None] | None:
    """(features (n, d) float64, labels (n,) or None) of equal-length dense float32 records
    in the layout ``dense_records`` writes (the "sagemaker" format's), decoded in one pass
    with numpy; None for anything else (use ``decode_records``)."""
    if not payloads:
        return None
    length = len(payloads[0])
    if any(len(p) != length for p in payloads):
        return None
    rows = np.frombuffer(b"".join(payloads), np.uint8).reshape(len(payloads), length)
    layout = dense_layout(rows)
    if layout is None:
        return None
    values, labels = layout.split(rows)
    return (
        values.view("<f4").astype(np.float64),
        None if labels is None else labels.view("<f4").ravel().astype(np.float64),
    )


@dataclass(frozen=True)
class DenseLayout:
    """Where the float32 features (and label) sit in equal-length dense record payloads."""

    dim: int
    has_label: bool
    head: int  # bytes before the features

    def split(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """(features bytes (n, 4 * dim), label bytes (n, 4) or None) of payload rows (n,
        length) uint8, as views: the rows may be a strided view into a larger buffer."""
        values = rows[:, self.head : self.head + 4 * self.dim]
        return values, rows[:, -4:] if self.has_label else None


def dense_layout(rows: np.ndarray) -> DenseLayout | None:
    """The dense layout of ``rows``, payloads of one length (n, length) uint8, when every
    byte outside the feature and label values is that of the "sagemaker" format's dense
    record; None for anything else (sparse, other keys or tensor types, other writers)."""
    length = rows.shape[1]
    for dim, has_label in _dense_layouts(length):
        head = len(_dense_prefix(dim))
        # Every byte outside the values must be that of the layout with zero values.
        expected = np.frombuffer(_dense_payload(dim, has_label), np.uint8)
        fixed = np.ones(length, bool)
        fixed[head : head + 4 * dim] = False
        if has_label:
            fixed[length - 4 :] = False
        if (rows[:, fixed] == expected[fixed]).all():
            return DenseLayout(dim, has_label, head)
    return None


def _dense_payload(dim: int, label: bool) -> bytes:
    """A dense record payload of ``dim`` zero features (and a zero label)."""
    payload = _dense_prefix(dim) + bytes(4 * dim)
    return payload + LABEL_PREFIX + bytes(4) if label else payload


def _dense_layouts(length: int) -> list[tuple[int, bool]]:
    """Every (dim, has_label) whose dense record payload is ``length`` bytes long."""
    label_length = LABEL_ENTRY_SIZE
    layouts = []
    for has_label in (False, True):
        rest = length - (label_length if has_label else 0)
        for prefix_length in range(12, 40):  # the prefix grows with the varint lengths
            dim, remainder = divmod(rest - prefix_length, 4)
            if remainder == 0 and dim > 0 and len(_dense_prefix(dim)) == prefix_length:
                layouts.append((dim, has_label))
    return layouts
