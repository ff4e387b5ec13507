"""The "sagemaker" reader's decoding: chunked RecordIO framing and the vectorized record
decoder, checked against the protobuf library record by record (no Spark)."""

from __future__ import annotations

import gzip
import io
import struct

import numpy as np
import pytest

from smspark_core.codecs import amazon_record, recordio
from smspark_core.codecs.record_pb2 import Record
from smspark_core.datasource.record_reader import read_part
from smspark_core.foundation.errors import SchemaError

CHUNKS = (8, 13, 100, 4096, 1 << 23)


def reference(stream: bytes) -> list[dict]:
    """Each record as {label, features} the way the original reader reads it, straight from
    the protobuf library."""
    rows = []
    for payload in recordio.iter_payloads(stream):
        record = Record()
        record.ParseFromString(bytes(payload))
        label = None
        if "values" in record.label:
            tensor = amazon_record.read_tensor(record.label["values"])
            label = float(tensor.values[0]) if tensor is not None and len(tensor.values) else None
        tensor = amazon_record.read_tensor(record.features["values"])
        values = [float(v) for v in tensor.values]
        if len(tensor.keys) or (len(tensor.shape) == 1 and len(values) != tensor.shape[0]):
            size = int(tensor.shape[0]) if len(tensor.shape) else 0
            indices = [int(k) for k in tensor.keys]
            features = {"type": 0, "size": size, "indices": indices, "values": values}
        else:
            features = {"type": 1, "size": None, "indices": None, "values": values}
        rows.append({"label": label, "features": features})
    return rows


def read_rows(stream: bytes, chunk: int, columns=("label", "features")) -> list[dict]:
    batches = list(read_part(io.BytesIO(stream), "part-x", list(columns), chunk))
    return [row for batch in batches for row in batch.to_pylist()]


def dense_stream(n: int, dim: int, labelled: bool, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 5, n).astype(float) if labelled else None
    return amazon_record.dense_records(rng.normal(size=(n, dim)), labels).tobytes()


def sparse_stream(n: int, size: int, seed: int = 0, labelled: bool = True) -> bytes:
    """CSR rows of varying nnz (some empty), indices past 127 (multi-byte varints), and
    every third row written dense, as the writer does for dense vectors in a sparse batch."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, 12, n)
    counts[::5] = 0
    dense_rows = np.arange(n) % 3 == 1
    counts[dense_rows] = size
    indices = np.concatenate(
        [
            np.arange(size) if d else np.sort(rng.choice(size, c, replace=False))
            for c, d in zip(counts, dense_rows)
        ]
    )
    indptr = np.concatenate([[0], np.cumsum(counts)])
    values = rng.normal(size=int(indptr[-1]))
    labels = rng.normal(size=n) if labelled else None
    data, _ = amazon_record.sparse_records(
        indptr, indices, values, np.full(n, size), labels, dense_rows
    )
    return bytes(data)


def protobuf_stream() -> bytes:
    """Records only the protobuf library writes: float64 and int32 tensors, a two-value
    label, an extra label key, a uid field, a label without values, a shape on a dense
    tensor."""
    records = []
    r = Record()
    r.features["values"].float64_tensor.values.extend([1.5, -2.25])
    r.label["values"].float32_tensor.values.extend([3.0, 4.0])
    records.append(r)
    r = Record()
    r.features["values"].int32_tensor.values.extend([7, 8, 9])
    r.features["values"].int32_tensor.keys.extend([0, 4, 200])
    r.features["values"].int32_tensor.shape.extend([300])
    r.label["other"].float32_tensor.values.extend([1.0])
    records.append(r)
    r = Record()
    r.features["values"].float32_tensor.values.extend([0.5])
    r.uid = "row-3"
    records.append(r)
    r = Record()
    r.features["values"].float32_tensor.values.extend([0.5, 1.0])
    r.features["values"].float32_tensor.shape.extend([2])
    r.label["values"].float32_tensor.SetInParent()
    records.append(r)
    return b"".join(recordio.frame(x.SerializeToString()) for x in records)


@pytest.mark.parametrize("chunk", CHUNKS)
@pytest.mark.parametrize("dim,labelled", [(1, True), (3, False), (784, True), (0, True)])
def test_dense_records_decode_exactly(chunk, dim, labelled):
    stream = dense_stream(37, dim, labelled)
    assert read_rows(stream, chunk) == reference(stream)


@pytest.mark.parametrize("chunk", CHUNKS)
@pytest.mark.parametrize("labelled", [True, False])
def test_sparse_and_mixed_records_decode_exactly(chunk, labelled):
    stream = sparse_stream(60, 300, labelled=labelled)
    rows = read_rows(stream, chunk)
    assert rows == reference(stream)
    assert {r["features"]["type"] for r in rows} == {0, 1}
    assert any(r["features"]["type"] == 0 and not r["features"]["indices"] for r in rows)


@pytest.mark.parametrize("chunk", CHUNKS)
def test_other_writers_layouts_fall_back_record_by_record(chunk):
    """Runs of fast and protobuf-decoded records, interleaved, in their order."""
    stream = (
        dense_stream(5, 4, True)
        + protobuf_stream()
        + sparse_stream(7, 50)
        + protobuf_stream()
        + dense_stream(3, 2, False)
    )
    assert read_rows(stream, chunk) == reference(stream)


def test_a_payload_holding_the_magic_number_is_not_a_header():
    magic = struct.unpack("<f", struct.pack("<I", recordio.MAGIC))[0]
    streams = []
    for shift in range(4):  # the value lands 4-aligned in the stream for one of the shifts
        values = np.full(6, magic)
        indices = np.arange(6) * 3 + shift * 200
        data, _ = amazon_record.sparse_records(
            np.array([0, 6]), indices, values, np.array([2000]), np.array([1.0])
        )
        streams.append(bytes(data))
    stream = b"".join(streams) * 3
    candidates = np.count_nonzero(np.frombuffer(stream, "<u4") == recordio.MAGIC)
    assert candidates > len(list(recordio.iter_payloads(stream)))  # magic numbers inside payloads
    for chunk in CHUNKS:
        assert read_rows(stream, chunk) == reference(stream)


@pytest.mark.parametrize("chunk", CHUNKS)
def test_frame_records_agrees_with_the_header_walk(chunk):
    stream = sparse_stream(40, 1000) + dense_stream(9, 5, True) + protobuf_stream()
    found = []
    for buffer, framing in recordio.read_framed_chunks(io.BytesIO(stream), chunk):
        found += [bytes(buffer[s : s + n]) for s, n in zip(framing.starts, framing.lengths)]
    assert found == [bytes(p) for p in recordio.iter_payloads(stream)]


class CountingStream(io.BytesIO):
    """Records how much each read asked for."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.requests: list[int] = []

    def read(self, size=-1):
        self.requests.append(size)
        return super().read(size)


def test_a_part_streams_in_bounded_chunks():
    """Each read asks for one chunk (or the rest of one record larger than a chunk), and
    each batch holds about a chunk of records: memory follows the chunk, not the part."""
    stream = dense_stream(3000, 100, True)  # 1.24 MB of 412-byte records
    chunk = 10_000  # not a multiple of the record: records straddle every chunk boundary
    source = CountingStream(stream)
    batches = list(read_part(source, "p", ["label", "features"], chunk))
    assert max(source.requests) == chunk and -1 not in source.requests
    assert max(b.num_rows for b in batches) <= chunk // 412 + 1
    assert sum(b.num_rows for b in batches) == 3000
    big = dense_stream(3, 5000, False)  # records of 20 kB: larger than a chunk
    source = CountingStream(big)
    assert sum(b.num_rows for b in read_part(source, "p", ["features"], chunk)) == 3
    assert max(source.requests) < 20_100


def test_gzip_parts_stream_too():
    stream = sparse_stream(30, 100) + dense_stream(20, 7, True)
    packed = gzip.compress(stream)
    batches = read_part(gzip.GzipFile(fileobj=io.BytesIO(packed)), "p", ["label", "features"], 64)
    assert [r for b in batches for r in b.to_pylist()] == reference(stream)


def test_labels_only_do_not_decode_the_features():
    """A record whose features are not a numeric tensor still gives its label when only
    labels are read; reading the features names the record."""
    good = dense_stream(4, 3, True)
    odd = Record()
    odd.features["values"].bytes.value.append(b"opaque")
    odd.label["values"].float32_tensor.values.append(9.0)
    stream = good + recordio.frame(odd.SerializeToString()) + good
    rows = read_rows(stream, 1 << 20, ["label"])
    assert [r["label"] for r in rows] == [r["label"] for r in reference(good)] + [9.0] + [
        r["label"] for r in reference(good)
    ]
    with pytest.raises(SchemaError, match="part-x record 4: features are not a numeric tensor"):
        read_rows(stream, 1 << 20)
    counted = list(read_part(io.BytesIO(stream), "p", [], 64))
    assert sum(b.num_rows for b in counted) == 9 and all(b.num_columns == 0 for b in counted)


def test_faults_name_the_part_record_and_offset():
    stream = dense_stream(10, 3, True)
    with pytest.raises(recordio.RecordIOError, match="part-x: truncated RecordIO record"):
        read_rows(stream[:-5], 16)
    damaged = bytearray(stream)
    stride = len(stream) // 10
    damaged[3 * stride] ^= 0xFF
    with pytest.raises(
        recordio.RecordIOError, match=f"magic number .* at byte offset {3 * stride}"
    ):
        read_rows(bytes(damaged), 1 << 20)
    no_features = Record()
    no_features.label["values"].float32_tensor.values.append(1.0)
    with pytest.raises(SchemaError, match="part-x record 10: no features entry named 'values'"):
        read_rows(stream + recordio.frame(no_features.SerializeToString()), 1 << 20)
    mismatch = Record()
    mismatch.features["values"].float32_tensor.values.extend([1.0, 2.0])
    mismatch.features["values"].float32_tensor.keys.extend([3])
    mismatch.features["values"].float32_tensor.shape.extend([5])
    with pytest.raises(SchemaError, match="record 10: a sparse tensor with 1 keys but 2 values"):
        read_rows(stream + recordio.frame(mismatch.SerializeToString()), 1 << 20)
