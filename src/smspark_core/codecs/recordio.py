"""RecordIO framing as SageMaker uses it (MXNet/dmlc RecordIO with the continuation flag unused).

Each record is ``magic (u32 LE 0xCED7230A) | length (u32 LE) | payload | zero padding to 4``.
Records are concatenated with no header or index.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from smspark_core.foundation.errors import SmsparkError

MAGIC = 0xCED7230A
HEADER_SIZE = 8
_HEADER = struct.Struct("<II")
_LENGTH_MASK = (1 << 29) - 1  # dmlc keeps a continuation flag in the top 3 bits


class RecordIOError(SmsparkError, ValueError):
    """A RecordIO stream that cannot be decoded; the message gives the byte offset."""


class ByteReader(Protocol):
    """What the readers need of a file: ``read(size)`` returning bytes (a binary file, a
    ``gzip.GzipFile``, an S3 body)."""

    def read(self, size: int = -1, /) -> bytes: ...


def padding(length: int) -> int:
    """Zero bytes that follow a payload of ``length`` bytes (the header is 4-aligned)."""
    return -length % 4


def header(length: int) -> bytes:
    """The 8-byte header of a record whose payload is ``length`` bytes."""
    return _HEADER.pack(MAGIC, length)


def frame(payload: bytes) -> bytes:
    """Frames one payload as a RecordIO record."""
    return header(len(payload)) + payload + b"\x00" * padding(len(payload))


def frame_many(payloads: Sequence[bytes]) -> tuple[bytes, np.ndarray]:
    """Frames payloads back to back; returns the stream and the n+1 record offsets into it."""
    parts: list[bytes] = []
    sizes = np.empty(len(payloads), dtype=np.int64)
    for i, payload in enumerate(payloads):
        pad = padding(len(payload))
        parts.append(_HEADER.pack(MAGIC, len(payload)))
        parts.append(payload)
        if pad:
            parts.append(b"\x00" * pad)
        sizes[i] = HEADER_SIZE + len(payload) + pad
    offsets = np.zeros(len(payloads) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    return b"".join(parts), offsets


def _fixed_stride_spans(view: memoryview) -> np.ndarray | None:
    """(start, end) of every payload when all records have the first record's length.

    Checks every header at once through a strided view; None when the stream is not such a
    sequence (then the general scan runs, and reports any fault with its offset).
    """
    size = len(view)
    if size < HEADER_SIZE:
        return None
    magic, word = _HEADER.unpack_from(view, 0)
    length = word & _LENGTH_MASK
    stride = HEADER_SIZE + length + padding(length)
    if magic != MAGIC or size % stride:
        return None
    headers = np.frombuffer(view, dtype="<u4").reshape(size // stride, stride // 4)[:, :2]
    if not ((headers[:, 0] == MAGIC).all() and (headers[:, 1] == word).all()):
        return None
    starts = np.arange(size // stride, dtype=np.int64) * stride + HEADER_SIZE
    return np.stack([starts, starts + length], axis=1)


def _payload_length(
    buffer: bytes | bytearray | memoryview, position: int, buffer_offset: int = 0
) -> int:
    """The payload length in the header at ``position``. A bad magic number is an error
    naming its byte offset (``buffer_offset``: where ``buffer`` starts in the stream)."""
    magic, word = _HEADER.unpack_from(buffer, position)
    if magic != MAGIC:
        raise RecordIOError(
            f"bad RecordIO magic number 0x{magic:08x} at byte offset "
            f"{buffer_offset + position} (expected 0x{MAGIC:08x})"
        )
    return word & _LENGTH_MASK


def iter_payloads(stream: bytes | bytearray | memoryview) -> Iterator[memoryview]:
    """Yields each record's payload; raises RecordIOError naming the byte offset of a fault.

    A stream of equal-length records is split without a loop over headers.

    Faults: a bad magic number (including trailing garbage), a header cut short, a length
    beyond the end of the buffer, and a last record missing its padding.
    """
    view = memoryview(stream).cast("B")
    for start, end in _payload_spans(view):
        yield view[start:end]


def record_offsets(stream: bytes | bytearray | memoryview) -> np.ndarray:
    """The n+1 offsets of the framed records of a stream (header and padding included), so
    that records ``i`` to ``j - 1`` are ``stream[offsets[i]:offsets[j]]``: how SageMaker
    Batch Transform cuts RecordIO input (SplitType RecordIO) into mini-batches. Faults are
    reported as by ``iter_payloads``."""
    view = memoryview(stream).cast("B")
    fixed = _fixed_stride_spans(view)
    if fixed is not None:
        stride = len(view) // max(len(fixed), 1)
        return np.arange(len(fixed) + 1, dtype=np.int64) * stride
    ends = [end + padding(end - start) for start, end in _payload_spans(view)]
    return np.array([0, *ends], dtype=np.int64)


def _payload_spans(view: memoryview) -> Iterator[tuple[int, int]]:
    spans = _fixed_stride_spans(view)
    if spans is not None:
        yield from spans.tolist()
        return
    size = len(view)
    position = 0
    while position < size:
        if size - position < HEADER_SIZE:
            raise RecordIOError(
                f"truncated RecordIO header at byte offset {position}: "
                f"{size - position} bytes left, {HEADER_SIZE} needed"
            )
        length = _payload_length(view, position)
        start = position + HEADER_SIZE
        end = start + length
        if end > size:
            raise RecordIOError(
                f"truncated RecordIO record at byte offset {position}: length {length} "
                f"runs past the end of the {size}-byte buffer"
            )
        padded_end = end + padding(length)
        if padded_end > size:
            raise RecordIOError(
                f"RecordIO record at byte offset {position} is missing its "
                f"{padding(length)} padding bytes at the end of the buffer"
            )
        yield start, end
        position = padded_end


@dataclass(frozen=True)
class Framing:
    """Where the complete records of a buffer are: payload ``starts`` and ``lengths`` (int64
    arrays), and ``consumed``, the bytes they span with padding (the rest is the start of a
    record still to come)."""

    starts: np.ndarray
    lengths: np.ndarray
    consumed: int
    stride: int | None = None  # set when every record spans the same number of bytes

    def __len__(self) -> int:
        return len(self.starts)


def frame_records(buffer: np.ndarray, buffer_offset: int = 0) -> Framing:
    """The complete records at the start of ``buffer`` (uint8, starting on a record), found
    with numpy rather than a loop over headers where the data allow.

    Equal-length records are checked through one strided view of their headers. Otherwise
    every 4-aligned magic number is a candidate header (records are 4-aligned); if each
    candidate's length leads exactly to the next candidate, there is no magic number inside
    a payload and the candidates are the headers. Only when that fails (a payload holding the
    magic number's bytes, or a fault) are the headers walked one by one. Faults raise
    RecordIOError with their byte offset (``buffer_offset``: where ``buffer`` starts in the
    stream); a record cut off by the end of the buffer is left for the caller to complete.
    """
    size = len(buffer)
    if size < HEADER_SIZE:
        return _no_records()
    length = _payload_length(buffer.data, 0, buffer_offset)
    stride = HEADER_SIZE + length + padding(length)
    count = size // stride
    if count:
        headers = buffer[: count * stride].view("<u4").reshape(count, stride // 4)[:, :2]
        if (headers[:, 0] == MAGIC).all() and (headers[:, 1] == headers[0, 1]).all():
            starts = np.arange(count, dtype=np.int64) * stride + HEADER_SIZE
            return Framing(starts, np.full(count, length, np.int64), count * stride, stride)
    words = buffer[: size // 4 * 4].view("<u4")
    heads = np.flatnonzero(words == MAGIC).astype(np.int64) * 4
    heads = heads[heads + HEADER_SIZE <= size]
    lengths = (words[heads // 4 + 1] & _LENGTH_MASK).astype(np.int64)
    ends = heads + HEADER_SIZE + lengths + (-lengths % 4)
    if (ends[:-1] == heads[1:]).all():
        complete = int(np.searchsorted(ends, size, side="right"))
        if complete == len(heads) or heads[complete] == ends[complete - 1]:
            return Framing(
                heads[:complete] + HEADER_SIZE,
                lengths[:complete],
                int(ends[complete - 1]) if complete else 0,
            )
    return _walk_headers(buffer, buffer_offset)


def _no_records() -> Framing:
    return Framing(np.zeros(0, np.int64), np.zeros(0, np.int64), 0)


def _walk_headers(buffer: np.ndarray, buffer_offset: int) -> Framing:
    """``frame_records`` by reading one header after another (the general case)."""
    starts, lengths = [], []
    size, position, view = len(buffer), 0, buffer.data
    while size - position >= HEADER_SIZE:
        length = _payload_length(view, position, buffer_offset)
        end = position + HEADER_SIZE + length + padding(length)
        if end > size:
            break
        starts.append(position + HEADER_SIZE)
        lengths.append(length)
        position = end
    return Framing(np.array(starts, np.int64), np.array(lengths, np.int64), position)


def read_framed_chunks(
    file: ByteReader, chunk_bytes: int = 1 << 23
) -> Iterator[tuple[np.ndarray, Framing]]:
    """Reads a RecordIO file ``chunk_bytes`` at a time and yields (buffer, framing) for the
    complete records of each chunk; a record that straddles two reads is carried into the
    next buffer, so memory stays near ``chunk_bytes`` (or one record, if larger) whatever the
    file's size. Faults are reported as by ``iter_payloads``, with offsets in the file."""
    carried = b""
    offset = 0  # file offset of the buffer's first byte
    want = chunk_bytes
    at_end = False
    while True:
        data = b"" if at_end else file.read(want)
        at_end = not data
        buffer = np.frombuffer(carried + data if carried else data, np.uint8)
        if not len(buffer):
            return
        framing = frame_records(buffer, offset)
        if len(framing):
            yield buffer, framing
        elif at_end:
            _check_tail(buffer, offset)
        carried = buffer[framing.consumed :].tobytes()
        offset += framing.consumed
        want = max(chunk_bytes, _shortfall(carried, offset))


def _shortfall(pending: bytes, offset: int) -> int:
    """Bytes still missing from the record ``pending`` begins (0 while its header is cut)."""
    if len(pending) < HEADER_SIZE:
        return 0
    length = _payload_length(pending, 0, offset)
    return HEADER_SIZE + length + padding(length) - len(pending)


def _check_tail(pending: np.ndarray, offset: int) -> None:
    """Raises the RecordIOError that describes bytes left at the end of a file."""
    if len(pending) < HEADER_SIZE:
        raise RecordIOError(
            f"truncated RecordIO header at byte offset {offset}: "
            f"{len(pending)} bytes left, {HEADER_SIZE} needed"
        )
    length = _payload_length(pending.data, 0, offset)
    raise RecordIOError(
        f"truncated RecordIO record at byte offset {offset}: length {length} runs past the "
        f"end of the file ({len(pending)} bytes left)"
    )


def read_payloads(file: ByteReader, chunk_bytes: int = 1 << 22) -> Iterator[bytes]:
    """Yields each record's payload from a binary file, reading ``chunk_bytes`` at a time,
    so a large file is never in memory at once. Faults are reported as by ``iter_payloads``,
    with byte offsets from the start of the file."""
    pending = bytearray()
    offset = 0  # file offset of pending[0]
    while True:
        chunk = file.read(chunk_bytes)
        pending += chunk
        position = 0
        while len(pending) - position >= HEADER_SIZE:
            length = _payload_length(pending, position, offset)
            total = HEADER_SIZE + length + padding(length)
            if len(pending) - position < total:
                break
            yield bytes(pending[position + HEADER_SIZE : position + HEADER_SIZE + length])
            position += total
        del pending[:position]
        offset += position
        if not chunk:
            if pending:
                raise RecordIOError(
                    f"truncated RecordIO record at byte offset {offset}: the file ends "
                    f"{len(pending)} bytes into it"
                )
            return
