"""RecordIO framing as SageMaker uses it (MXNet/dmlc RecordIO with the continuation flag unused).

Each record is ``magic (u32 LE 0xCED7230A) | length (u32 LE) | payload | zero padding to 4``.
Records are concatenated with no header or index.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Sequence
from typing import BinaryIO

import numpy as np

from smspark_core.errors import SmsparkError

MAGIC = 0xCED7230A
HEADER_SIZE = 8
_HEADER = struct.Struct("<II")
_LENGTH_MASK = (1 << 29) - 1  # dmlc keeps a continuation flag in the top 3 bits


class RecordIOError(SmsparkError, ValueError):
    """A RecordIO stream that cannot be decoded; the message gives the byte offset."""


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


def _payload_length(buffer: bytearray | memoryview, position: int, buffer_offset: int = 0) -> int:
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


def read_payloads(file: BinaryIO, chunk_bytes: int = 1 << 22) -> Iterator[bytes]:
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
