"""Amazon Records decoded into columns a chunk at a time, with no loop over records.

Training files hold the few layouts that writers of the format produce: a ``features`` map
entry ``"values"`` holding a packed ``float32_tensor`` (values, then keys and shape when
sparse), then optionally a one-value ``label`` entry. For those, every record's fields are
located by numpy over the whole chunk (the tags are fixed bytes and the lengths varints read
at computed positions), and the values, keys and labels are gathered from the buffer in bulk.
Equal-length dense records take a shorter path still: one strided view of the chunk.

Any other record (float64 or int32 tensors, other keys, unpacked fields, a label that is not
one float32, a matrix) is decoded by the protobuf library, record by record, into the same
columns, so the results do not depend on the path. The decoded column semantics are those
of the original reader: a tensor with keys, or whose one-dimensional shape differs from its
value count, is a sparse vector of that size; otherwise a dense vector.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from smspark_core.codecs import amazon_record
from smspark_core.codecs.record_pb2 import Record
from smspark_core.codecs.recordio import HEADER_SIZE, Framing
from smspark_core.codecs.varint import decode_packed
from smspark_core.foundation.errors import SchemaError

INT32_MAX = 2**31 - 1
_LABEL_PREFIX = np.frombuffer(amazon_record.LABEL_PREFIX, np.uint8)
_ENTRY_KEY = np.frombuffer(amazon_record.ENTRY_KEY, np.uint8)
_FEATURES_TAG, _LABEL_TAG = 0x0A, 0x12  # Record fields 1 and 2, length-delimited
_ENTRY_VALUE_TAG = 0x12  # map entry field 2
_FLOAT32_TENSOR_TAG = 0x12  # Value field 2
_VALUES_TAG, _KEYS_TAG, _SHAPE_TAG = 0x0A, 0x12, 0x1A  # Float32Tensor fields 1, 2, 3, packed


@dataclass(frozen=True)
class FeatureColumns:
    """Feature vectors in CSR form. Dense rows have all their values and no indices; sparse
    rows have a size and one index per value."""

    sparse: np.ndarray  # bool, per row
    sizes: np.ndarray  # int64, per row; 0 for dense rows
    value_offsets: np.ndarray  # int64, n + 1
    values: np.ndarray  # float64
    index_offsets: np.ndarray  # int64, n + 1
    indices: np.ndarray  # int64


@dataclass(frozen=True)
class RecordColumns:
    """Consecutive decoded records: labels (meaningful where ``has_label``) and, when asked
    for, the features."""

    labels: np.ndarray  # float64
    has_label: np.ndarray  # bool
    features: FeatureColumns | None

    def __len__(self) -> int:
        return len(self.labels)


def decode_chunk(
    buffer: np.ndarray,
    framing: Framing,
    *,
    features: bool = True,
    first_record: int = 0,
    source: str = "",
) -> Iterator[RecordColumns]:
    """The framed records of ``buffer`` as columns, in order: one item when every record
    has a layout the vectorized paths take, otherwise one per run of records of either kind.
    ``features=False`` decodes labels only. Errors name ``source`` and the record number
    (``first_record`` is the number of the chunk's first record)."""
    if framing.stride is not None:
        fixed = _fixed_dense(buffer, framing, framing.stride, features)
        if fixed is not None:
            yield fixed
            return
    starts, lengths = framing.starts, framing.lengths
    layout = _parse(buffer, starts, lengths)
    if layout.ok.all():
        yield _checked(_gather(buffer, layout, features), first_record, source)
        return
    for begin, end, fast in _runs(layout.ok):
        if fast:
            part = _parse(buffer, starts[begin:end], lengths[begin:end])
            columns = _gather(buffer, part, features)
        else:
            columns = _decode_with_protobuf(
                buffer,
                starts[begin:end],
                lengths[begin:end],
                features,
                first_record + begin,
                source,
            )
        yield _checked(columns, first_record + begin, source)


def _runs(ok: np.ndarray) -> Iterator[tuple[int, int, bool]]:
    """(start, end, value) of each run of equal values in a boolean array."""
    edges = np.flatnonzero(np.diff(ok.view(np.int8))) + 1
    bounds = [0, *edges.tolist(), len(ok)]
    for begin, end in zip(bounds[:-1], bounds[1:]):
        yield begin, end, bool(ok[begin])


# ------------------------------------------------------------------ equal-length dense


def _fixed_dense(
    buffer: np.ndarray, framing: Framing, stride: int, features: bool
) -> RecordColumns | None:
    """Records of one ``stride`` (``framing.stride``) in the dense layout, through a strided
    (n, length) view."""
    n, length = len(framing), int(framing.lengths[0])
    framed = buffer[: framing.consumed].reshape(n, stride)
    rows = framed[:, HEADER_SIZE : HEADER_SIZE + length]
    layout = amazon_record.dense_layout(rows)
    if layout is None:
        return None
    values, labels = layout.split(rows)
    if labels is None:
        label_values, has_label = np.zeros(n), np.zeros(n, bool)
    else:
        label_values, has_label = labels.view("<f4").ravel().astype(np.float64), np.ones(n, bool)
    if not features:
        return RecordColumns(label_values, has_label, None)
    no_indices = np.zeros(n + 1, np.int64)
    return RecordColumns(
        label_values,
        has_label,
        FeatureColumns(
            sparse=np.zeros(n, bool),
            sizes=np.zeros(n, np.int64),
            value_offsets=np.arange(n + 1, dtype=np.int64) * layout.dim,
            values=values.view("<f4").astype(np.float64).reshape(-1),
            index_offsets=no_indices,
            indices=np.zeros(0, np.int64),
        ),
    )


# ------------------------------------------------------------------ any packed float32 layout


@dataclass(frozen=True)
class _Layout:
    """Per record: whether the vectorized path takes it, and where its parts are."""

    ok: np.ndarray
    values: tuple[np.ndarray, np.ndarray]  # byte spans (begin, end); empty when absent
    keys: tuple[np.ndarray, np.ndarray]
    has_shape: np.ndarray
    shape: np.ndarray
    has_label: np.ndarray
    label_at: np.ndarray  # where the label's float32 starts


def _varints_at(buffer: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(value, size) of the varint at each position, reading at most 5 bytes (lengths and
    sizes here fit in 32 bits); size 0 where none ends within those bytes or the buffer."""
    width = 5
    at = positions[:, None] + np.arange(width)
    inside = at < len(buffer)
    data = np.where(inside, buffer[np.minimum(at, len(buffer) - 1)], 0x80).astype(np.int64)
    ending = data < 0x80
    size = np.where(ending.any(axis=1), np.argmax(ending, axis=1) + 1, 0)
    used = np.arange(width) < size[:, None]
    value = (((data & 0x7F) << (7 * np.arange(width))) * used).sum(axis=1)
    return value, size


def _bytes_at(buffer: np.ndarray, positions: np.ndarray, pattern: np.ndarray) -> np.ndarray:
    """Whether ``pattern`` occurs at each position (False where it would leave the buffer)."""
    at = positions[:, None] + np.arange(len(pattern))
    inside = (at < len(buffer)).all(axis=1)
    return inside & (buffer[np.minimum(at, len(buffer) - 1)] == pattern).all(axis=1)


def _field(buffer: np.ndarray, at: np.ndarray, tag: int, stop: np.ndarray):
    """A length-delimited field with ``tag`` at each position before ``stop``: (present,
    valid, payload begin, payload end). ``valid``: present and its payload ends by stop."""
    present = (at < stop) & (buffer[np.minimum(at, len(buffer) - 1)] == tag)
    length, size = _varints_at(buffer, at + 1)
    begin = at + 1 + size
    end = begin + length
    return present, present & (size > 0) & (end <= stop), begin, end


def _parse(buffer: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> _Layout:
    """Locates each record's fields, all records at once (see the module docstring)."""
    ends = starts + lengths
    _, ok, entry, entry_end = _field(buffer, starts, _FEATURES_TAG, ends)
    ok &= _bytes_at(buffer, entry, _ENTRY_KEY)
    _, valid, value, value_end = _field(
        buffer, entry + len(_ENTRY_KEY), _ENTRY_VALUE_TAG, entry_end
    )
    ok &= valid & (value_end == entry_end)
    _, valid, tensor, tensor_end = _field(buffer, value, _FLOAT32_TENSOR_TAG, value_end)
    ok &= valid & (tensor_end == value_end)

    cursor = tensor
    spans = []
    for tag in (_VALUES_TAG, _KEYS_TAG, _SHAPE_TAG):  # the order protobuf serializes them
        present, valid, begin, end = _field(buffer, cursor, tag, tensor_end)
        ok &= ~present | valid
        begin, end = np.where(present, begin, cursor), np.where(present, end, cursor)
        spans.append((begin, end))
        cursor = end
    ok &= cursor == tensor_end
    (values_begin, values_end), keys, (shape_begin, shape_end) = spans
    ok &= (values_end - values_begin) % 4 == 0
    has_shape = shape_end > shape_begin
    shape, shape_size = _varints_at(buffer, shape_begin)
    ok &= ~has_shape | (shape_begin + shape_size == shape_end)  # one dimension
    keys_end = keys[1]
    ok &= (keys_end == keys[0]) | (buffer[np.maximum(keys_end - 1, 0)] < 0x80)  # whole varints

    has_label = entry_end < ends
    label_at = entry_end + len(_LABEL_PREFIX)
    label_ok = _bytes_at(buffer, entry_end, _LABEL_PREFIX) & (label_at + 4 == ends)
    ok &= ~has_label | label_ok
    return _Layout(ok, (values_begin, values_end), keys, has_shape, shape, has_label, label_at)


def _segment_bytes(buffer: np.ndarray, begins: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The bytes of the spans [begin, end) (in order, not overlapping) back to back: one
    mask made of alternating runs (gap, span, gap, ..., span, rest) by ``np.repeat``."""
    if len(begins) == 0:
        return buffer[:0]
    runs = np.empty(2 * len(begins) + 1, np.int64)
    runs[0] = begins[0]
    runs[2:-1:2] = begins[1:] - ends[:-1]
    runs[1::2] = ends - begins
    runs[-1] = len(buffer) - ends[-1]
    inside = np.zeros(len(runs), bool)
    inside[1::2] = True
    return buffer[np.repeat(inside, runs)]


def _offsets(counts: np.ndarray | Sequence[int]) -> np.ndarray:
    offsets = np.zeros(len(counts) + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    return offsets


def _gather(buffer: np.ndarray, layout: _Layout, features: bool) -> RecordColumns:
    """The columns of records that ``_parse`` found all in the vectorized layout."""
    label_bytes = buffer[np.where(layout.has_label, layout.label_at, 0)[:, None] + np.arange(4)]
    labels = np.where(
        layout.has_label, np.ascontiguousarray(label_bytes).view("<f4").ravel(), 0.0
    ).astype(np.float64)
    if not features:
        return RecordColumns(labels, layout.has_label, None)
    counts = (layout.values[1] - layout.values[0]) // 4
    values = _segment_bytes(buffer, *layout.values).view("<f4").astype(np.float64)
    key_lengths = layout.keys[1] - layout.keys[0]
    key_data = _segment_bytes(buffer, *layout.keys)
    try:
        keys, key_ends = decode_packed(key_data)
    except ValueError as error:
        raise SchemaError(f"malformed sparse keys: {error}") from None
    # A record's keys are the varints that end within its bytes of key_data.
    key_offsets = np.searchsorted(key_ends, _offsets(key_lengths))
    key_counts = np.diff(key_offsets)
    sparse = (key_counts > 0) | (layout.has_shape & (layout.shape != counts))
    sizes = np.where(sparse & layout.has_shape, layout.shape, 0)
    return RecordColumns(
        labels,
        layout.has_label,
        FeatureColumns(
            sparse=sparse,
            sizes=sizes,
            value_offsets=_offsets(counts),
            values=values,
            index_offsets=key_offsets,  # dense rows have no keys, by definition
            indices=keys.astype(np.int64),
        ),
    )


# ------------------------------------------------------------------ any other layout


def _decode_with_protobuf(
    buffer: np.ndarray,
    starts: np.ndarray,
    lengths: np.ndarray,
    features: bool,
    first_record: int,
    source: str,
) -> RecordColumns:
    """The same columns through the protobuf library, record by record."""
    n = len(starts)
    labels, has_label = np.zeros(n), np.zeros(n, bool)
    sparse, sizes = np.zeros(n, bool), np.zeros(n, np.int64)
    values, indices = [], []
    for i, (start, length) in enumerate(zip(starts.tolist(), lengths.tolist())):
        where = f"{source} record {first_record + i}"
        record = Record()
        record.ParseFromString(buffer[start : start + length].tobytes())
        if amazon_record.VALUES_KEY not in record.features:
            raise SchemaError(f"{where}: no features entry named 'values'")
        label = record.label.get(amazon_record.VALUES_KEY)
        label_tensor = amazon_record.read_tensor(label) if label is not None else None
        if label_tensor is not None and len(label_tensor.values):
            labels[i], has_label[i] = label_tensor.values[0], True
        if not features:
            continue
        tensor = amazon_record.read_tensor(record.features[amazon_record.VALUES_KEY])
        if tensor is None:
            raise SchemaError(f"{where}: features are not a numeric tensor")
        one_dim = len(tensor.shape) == 1
        if len(tensor.keys) or (one_dim and len(tensor.values) != tensor.shape[0]):
            sparse[i] = True
            sizes[i] = int(tensor.shape[0]) if len(tensor.shape) else 0
            indices.append(tensor.keys.astype(np.int64))
        elif len(tensor.shape) > 1:
            raise SchemaError(
                f"{where}: a matrix record (shape {tensor.shape.tolist()}) is not a vector"
            )
        else:
            indices.append(np.zeros(0, np.int64))
        values.append(tensor.values)
    if not features:
        return RecordColumns(labels, has_label, None)
    return RecordColumns(
        labels,
        has_label,
        FeatureColumns(
            sparse=sparse,
            sizes=sizes,
            value_offsets=_offsets([len(v) for v in values]),
            values=np.concatenate(values) if values else np.zeros(0),
            index_offsets=_offsets([len(k) for k in indices]),
            indices=np.concatenate(indices) if indices else np.zeros(0, np.int64),
        ),
    )


def _checked(columns: RecordColumns, first_record: int, source: str) -> RecordColumns:
    """Raises SchemaError, naming the record, for vectors Spark cannot hold: a sparse row
    whose key and value counts differ, or a size or index beyond 32 bits."""
    f = columns.features
    if f is None:
        return columns
    key_counts = np.diff(f.index_offsets)
    value_counts = np.diff(f.value_offsets)
    bad = f.sparse & (key_counts != value_counts)
    if bad.any():
        i = int(np.argmax(bad))
        raise SchemaError(
            f"{source} record {first_record + i}: a sparse tensor with {key_counts[i]} keys "
            f"but {value_counts[i]} values"
        )
    too_large = f.sizes > INT32_MAX
    if len(f.indices) and f.indices.max() > INT32_MAX:
        too_large[np.searchsorted(f.index_offsets, np.argmax(f.indices), side="right") - 1] = True
    if too_large.any():
        i = int(np.argmax(too_large))
        raise SchemaError(
            f"{source} record {first_record + i}: a vector size or index beyond 2^31 - 1"
        )
    return columns
