"""The pure codecs: RecordIO, the Amazon Record encoders against the protobuf library,
float32 narrowing, varints, Java number text, and the generated protobuf module."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import pytest

from smspark_core.codecs import amazon_record, protogen, recordio
from smspark_core.codecs.csv import parse_predictions
from smspark_core.codecs.javanum import java_double_str, parse_java_double
from smspark_core.codecs.jsonlines import response_objects
from smspark_core.codecs.libsvm import LibSVMParseError, parse_libsvm
from smspark_core.codecs.record_pb2 import Record
from smspark_core.codecs.varint import decode_packed, encode_varints, varint, varint_sizes
from smspark_core.foundation.errors import ResponseError


def split_payloads(stream: bytes) -> list[bytes]:
    return [bytes(p) for p in recordio.iter_payloads(stream)]


def test_generated_record_module_is_current():
    with tempfile.TemporaryDirectory() as tmp:
        fresh = protogen.generate(Path(tmp)).read_bytes()
    committed = (protogen.CODECS_DIR / protogen.GENERATED_NAME).read_bytes()
    assert fresh == committed, "run: python -m smspark_core.codecs.protogen"


def _library_record(features, label=None, keys=None, shape=None) -> bytes:
    record = Record()
    tensor = record.features["values"].float32_tensor
    tensor.values.extend(features)
    if keys is not None:
        tensor.keys.extend(keys)
        tensor.shape.extend(shape)
    if label is not None:
        record.label["values"].float32_tensor.values.append(label)
    return recordio.frame(record.SerializeToString())


@pytest.mark.parametrize("dim", [1, 2, 31, 32, 784, 5000])
def test_dense_batch_equals_protobuf_library(dim):
    rng = np.random.default_rng(dim)
    features = rng.normal(size=(7, dim))
    labels = rng.integers(0, 5, size=7).astype(float)
    ours = amazon_record.dense_records(features, labels).tobytes()
    theirs = b"".join(
        _library_record(features[i].astype(np.float32), float(labels[i])) for i in range(7)
    )
    assert ours == theirs
    unlabeled = amazon_record.dense_records(features).tobytes()
    assert unlabeled == b"".join(_library_record(features[i].astype(np.float32)) for i in range(7))


def test_sparse_batch_equals_protobuf_library():
    rng = np.random.default_rng(0)
    size = 3_000_000_000 // 2  # keys past 2**28 need 5-byte varints
    rows = [np.sort(rng.choice(size, size=k, replace=False)) for k in (0, 1, 5, 40)]
    values = [rng.normal(size=len(r)) for r in rows]
    indptr = np.concatenate([[0], np.cumsum([len(r) for r in rows])])
    stream, offsets = amazon_record.sparse_records(
        indptr, np.concatenate(rows), np.concatenate(values), np.full(4, size), np.arange(4.0)
    )
    expected = [
        _library_record(values[i].astype(np.float32), float(i), rows[i].tolist(), [size])
        for i in range(4)
    ]
    assert stream == b"".join(expected)
    assert np.diff(offsets).tolist() == [len(e) for e in expected]


@pytest.mark.parametrize("labelled", [True, False])
def test_sparse_batch_with_dense_and_empty_rows_equals_protobuf_library(labelled):
    # Rows flagged dense carry values only; empty rows (first, middle, last) have no values
    # field; shapes from 1 to 2**35 take 1- to 6-byte varints.
    rng = np.random.default_rng(1)
    sizes = [5, 3, 200, 2**35, 7, 10, 300]
    rows = [np.array([], np.int64), np.arange(3), np.sort(rng.choice(200, 150, replace=False))]
    empty = np.array([], np.int64)
    rows += [np.array([2**35 - 1]), empty, np.array([0, 9]), empty]
    dense_rows = np.array([False, True, False, False, True, False, False])
    values = [rng.normal(size=len(r)) for r in rows]
    labels = np.arange(7.0) if labelled else None
    indptr = np.concatenate([[0], np.cumsum([len(r) for r in rows])])
    stream, offsets = amazon_record.sparse_records(
        indptr, np.concatenate(rows), np.concatenate(values), np.array(sizes), labels, dense_rows
    )
    expected = [
        _library_record(
            values[i].astype(np.float32),
            float(i) if labelled else None,
            None if dense_rows[i] else rows[i].tolist(),
            None if dense_rows[i] else [sizes[i]],
        )
        for i in range(7)
    ]
    assert bytes(stream) == b"".join(expected)
    assert np.diff(offsets).tolist() == [len(e) for e in expected]


def test_varints_of_negative_values_are_refused():
    with pytest.raises(ValueError, match="negative value"):
        encode_varints(np.array([3, -1], np.int32))


def test_float32_narrowing_matches_numpy_and_the_jvm():
    values = [3.4028235677973366e38, 1e39, -1e39, 1e-46, 1.401298464324817e-45, 0.1, -0.0]
    narrowed = amazon_record.to_float32(values)
    assert narrowed.tolist()[:3] == [math.inf, math.inf, -math.inf]
    assert narrowed[3] == 0.0 and narrowed[4] > 0
    assert np.signbit(narrowed[6])
    # A signalling NaN is quieted as the JVM's (float) cast does.
    snan = np.array([0x7FF0000000000001], dtype=np.uint64).view(np.float64)
    assert amazon_record.to_float32(snan).view(np.uint32)[0] == 0x7FC00000


def test_recordio_fixed_stride_fast_path_agrees_with_the_scan():
    dense = amazon_record.dense_records(np.arange(12.0).reshape(4, 3), np.ones(4)).tobytes()
    spans = recordio._fixed_stride_spans(memoryview(dense))
    assert spans is not None and len(spans) == 4
    payloads = [bytes(p) for p in recordio.iter_payloads(dense)]
    assert payloads == [bytes(dense[s:e]) for s, e in spans.tolist()]
    # A bad magic in the last record falls back to the scan, which names its offset.
    broken = dense[: -len(dense) // 4] + b"\x00" * (len(dense) // 4)
    with pytest.raises(recordio.RecordIOError, match=f"byte offset {3 * len(dense) // 4}"):
        split_payloads(broken)


def test_recordio_round_trip_and_padding():
    payloads = [b"", b"a", b"ab", b"abc", b"abcd", b"x" * 1001]
    stream, offsets = recordio.frame_many(payloads)
    assert len(stream) % 4 == 0 and offsets[-1] == len(stream)
    assert split_payloads(stream) == payloads


@pytest.mark.parametrize(
    "stream, message",
    [
        (
            b"\x00\x00\x00\x00\x00\x00\x00\x00",
            "bad RecordIO magic number 0x00000000 at byte offset 0",
        ),
        (
            recordio.frame(b"abcd") + b"\x00" * 8,
            "bad RecordIO magic number 0x00000000 at byte offset 12",
        ),
        (recordio.frame(b"abcd") + b"\x0a\x23\xd7", "truncated RecordIO header at byte offset 12"),
        (recordio.frame(b"abcd")[:10], "truncated RecordIO record at byte offset 0: length 4"),
        (recordio.frame(b"abc")[:-1], "missing its 1 padding bytes"),
        (
            b"\x0a\x23\xd7\xce\xff\xff\x00\x00",
            "length 65535 runs past the end of the 8-byte buffer",
        ),
    ],
)
def test_corrupt_recordio_names_the_byte_offset(stream, message):
    with pytest.raises(recordio.RecordIOError, match=message):
        split_payloads(stream)


def test_varints_match_single_encoder():
    values = np.array([0, 1, 127, 128, 16383, 16384, 2**31 - 1, 2**32, 2**63, 2**64 - 1], np.uint64)
    encoded, sizes = encode_varints(values)
    assert encoded.tobytes() == b"".join(varint(int(v)) for v in values)
    assert sizes.tolist() == [len(varint(int(v))) for v in values]
    assert varint_sizes(values).tolist() == sizes.tolist()


def test_packed_varints_decode_back_with_where_each_ends():
    values = np.array([0, 1, 127, 128, 16383, 16384, 2**31 - 1, 2**32, 2**63, 2**64 - 1], np.uint64)
    encoded, sizes = encode_varints(values)
    decoded, ends = decode_packed(encoded)
    assert decoded.tolist() == values.tolist()
    assert ends.tolist() == (np.cumsum(sizes.astype(np.int64)) - 1).tolist()
    with pytest.raises(ValueError, match="longer than 10 bytes"):
        decode_packed(np.array([0x80] * 10 + [1], np.uint8))


@pytest.mark.parametrize(
    "value, text",
    [
        (1.0, "1.0"),
        (-0.0, "-0.0"),
        (1e-4, "1.0E-4"),
        (1e7, "1.0E7"),
        (9999999.0, "9999999.0"),
        (123456789.0, "1.23456789E8"),
        (0.001, "0.001"),
        (math.nan, "NaN"),
        (-math.inf, "-Infinity"),
        (12345.678, "12345.678"),
        (1e21, "1.0E21"),
    ],
)
def test_java_double_text(value, text):
    assert java_double_str(value) == text


def test_java_double_text_round_trips():
    rng = np.random.default_rng(1)
    for v in np.concatenate(
        [rng.random(2000), rng.normal(size=2000) * 1e18, 10.0 ** rng.uniform(-320, 308, 2000)]
    ):
        assert parse_java_double(java_double_str(float(v))) == float(v)


def test_java_double_parsing_grammar():
    assert parse_java_double(" 1.5d ") == 1.5
    assert parse_java_double("0x1p3") == 8.0
    assert parse_java_double("1e400") == math.inf
    for bad in ("inf", "nan", "1_000", "", "1.0.0"):
        with pytest.raises(ValueError):
            parse_java_double(bad)


def test_libsvm_parse_errors_name_the_line():
    with pytest.raises(LibSVMParseError, match="line 2: index 3 is beyond the vector size 2"):
        parse_libsvm("1 1:1\n1 3:1\n", 2)
    with pytest.raises(LibSVMParseError, match="line 1: label '' is not a number"):
        parse_libsvm(" 1 1:1", 4)


def test_csv_predictions_and_json_bodies():
    assert parse_predictions("1,2,\n") == [1.0, 2.0]
    assert parse_predictions("  ") == []
    assert response_objects(b'{"projections":[{"projection":[1]}]}', "projections") == [
        {"projection": [1]}
    ]
    assert response_objects(b'{"a":1}\n\n{"a":2}\n') == [{"a": 1}, {"a": 2}]
    assert response_objects(b'{"score": 0.5}') == [{"score": 0.5}]  # one line of JSON Lines
    with pytest.raises(ResponseError, match="'predictions' is not a list"):
        response_objects(b'{"predictions": 3}')
    with pytest.raises(ResponseError, match="malformed JSON Lines response, line 2"):
        response_objects(b'{"a":1}\n{oops\n')


def test_response_record_matches_the_reference_bytes():
    """The k-means-style response of the behaviour reference, section 4.1."""
    record = amazon_record.response_record({"distance_to_cluster": 1.5, "closest_cluster": [2.0]})
    assert recordio.frame(record).hex() == (
        "0a23d7ce3e000000121f0a1364697374616e63655f746f5f636c7573746572120812060a040000c03f"
        "121b0a0f636c6f736573745f636c7573746572120812060a04000000400000"
    )


def test_read_payloads_streams_across_chunk_boundaries():
    import io

    payloads = [bytes([i]) * (i * 3 % 17) for i in range(40)]
    stream, _ = recordio.frame_many(payloads)
    for chunk in (1, 7, 64, 1 << 20):
        assert list(recordio.read_payloads(io.BytesIO(stream), chunk)) == payloads
    with pytest.raises(recordio.RecordIOError, match="truncated RecordIO record at byte offset"):
        list(recordio.read_payloads(io.BytesIO(stream[:-3]), 5))
    damaged = bytearray(stream)
    damaged[8:12] = b"\x00\x00\x00\x00"  # the second record's magic (the first is empty)
    with pytest.raises(recordio.RecordIOError, match="at byte offset 8 "):
        list(recordio.read_payloads(io.BytesIO(bytes(damaged)), 5))


@pytest.mark.parametrize("dim", [1, 3, 31, 32, 33, 64, 784])
@pytest.mark.parametrize("labelled", [False, True])
def test_decode_dense_batch_matches_the_record_decoder(dim, labelled):
    rng = np.random.default_rng(dim)
    features = rng.normal(size=(20, dim)).astype(np.float32).astype(np.float64)
    labels = rng.integers(0, 3, 20).astype(np.float64) if labelled else None
    payloads = split_payloads(amazon_record.dense_records(features, labels).tobytes())
    decoded = amazon_record.decode_dense_batch(payloads)
    assert decoded is not None
    np.testing.assert_array_equal(decoded[0], features)
    if labelled:
        np.testing.assert_array_equal(decoded[1], labels)
    else:
        assert decoded[1] is None


def test_decode_dense_batch_declines_other_layouts():
    sparse = amazon_record.record(amazon_record.sparse_tensor(4, np.array([1]), np.array([2.0])))
    assert amazon_record.decode_dense_batch([sparse, sparse]) is None
    dense = split_payloads(amazon_record.dense_records(np.ones((2, 3))).tobytes())
    assert amazon_record.decode_dense_batch([dense[0], dense[0] + b"\x00"]) is None
    keyed = amazon_record.response_record({"closest_cluster": [1.0]})
    assert amazon_record.decode_dense_batch([keyed]) is None


def test_one_libsvm_reader_serves_responses_requests_and_channels():
    """XGBoost's reading (indices from 0, any order, blank lines and extra spaces skipped)
    and the original's strict response reading are the same function with two settings."""
    from smspark_core.codecs.libsvm import parse_libsvm_rows

    loose = parse_libsvm_rows("1 2:0.5  0:1\n\n0 1:2\n", one_based=False)
    assert loose.labels.tolist() == [1.0, 0.0]
    assert loose.indptr.tolist() == [0, 2, 3]
    assert loose.indices.tolist() == [2, 0, 1] and loose.values.tolist() == [0.5, 1.0, 2.0]
    assert loose.width == 3
    with pytest.raises(LibSVMParseError, match="line 5: index 3 is beyond the vector size 3"):
        parse_libsvm_rows("1 3:1", one_based=False, dim=3, first_line=5)
    with pytest.raises(LibSVMParseError, match="line 1: entry 'x:1' is not index:value"):
        parse_libsvm_rows("1 x:1", one_based=False)
    with pytest.raises(LibSVMParseError, match="not strictly increasing"):
        parse_libsvm_rows("1 2:1 1:1", one_based=True, strict=True)


def test_numeric_csv_streams_blocks_of_float_rows():
    import io

    from smspark_core.codecs.csv import CSVParseError, numeric_csv, numeric_csv_blocks

    body = "".join(f"{i},{i * 0.5},{-i}\n" for i in range(5000)).encode()
    blocks = list(numeric_csv_blocks(io.BytesIO(body), block_bytes=4096))
    assert len(blocks) > 1  # bounded by the block, not the file
    rows = np.concatenate(blocks)
    assert rows.shape == (5000, 3) and rows.dtype == np.float64
    np.testing.assert_array_equal(rows[:, 1], np.arange(5000) * 0.5)
    # A float after integers in the first block is still read: every column is float64.
    np.testing.assert_array_equal(numeric_csv(b"1,2\n3,4.5\n"), [[1, 2], [3, 4.5]])
    assert numeric_csv(b"").shape == (0, 0)
    with pytest.raises(CSVParseError, match="not rows of 2 numbers"):
        numeric_csv(b"1,2\n3,a\n")
    with pytest.raises(CSVParseError, match="not rows of 2 numbers"):
        numeric_csv(b"1,2\n3\n")
