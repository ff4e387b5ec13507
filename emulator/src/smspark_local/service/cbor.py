"""The subset of CBOR (RFC 8949) that AWS's Smithy RPC v2 CBOR protocol uses, which botocore
speaks to CloudWatch: integers, floats, byte and text strings, arrays, maps (definite or
indefinite length), booleans, null, and timestamps as tag 1 (epoch seconds)."""

from __future__ import annotations

import struct
from datetime import datetime
from typing import Any

_BREAK = object()


class CBORError(ValueError):
    """A body that is not the CBOR this module reads."""


def loads(data: bytes) -> Any:
    value, end = _item(data, 0)
    if end != len(data):
        raise CBORError(f"{len(data) - end} bytes after the CBOR item")
    return value


def _length(data: bytes, position: int, info: int) -> tuple[int | None, int]:
    if info < 24:
        return info, position
    sizes = {24: 1, 25: 2, 26: 4, 27: 8}
    if info in sizes:
        size = sizes[info]
        if position + size > len(data):
            raise CBORError("truncated CBOR")
        return int.from_bytes(data[position : position + size], "big"), position + size
    if info == 31:
        return None, position  # indefinite length
    raise CBORError(f"reserved additional information {info}")


def _item(data: bytes, position: int) -> tuple[Any, int]:
    if position >= len(data):
        raise CBORError("truncated CBOR")
    initial = data[position]
    major, info = initial >> 5, initial & 0x1F
    position += 1
    if major == 7:
        return _simple(data, position, info)
    length, position = _length(data, position, info)
    if major == 0:
        return length, position
    if major == 1:
        return -1 - (length or 0), position
    if major in (2, 3):
        if length is None:
            chunks = []
            while data[position] != 0xFF:
                chunk, position = _item(data, position)
                chunks.append(chunk)
            joined: Any = b"".join(chunks) if major == 2 else "".join(chunks)
            return joined, position + 1
        raw = data[position : position + length]
        if len(raw) != length:
            raise CBORError("truncated CBOR string")
        return (raw if major == 2 else raw.decode("utf-8")), position + length
    if major == 4:
        items = []
        while length is None or len(items) < length:
            item, position = _item(data, position)
            if item is _BREAK:
                break
            items.append(item)
        return items, position
    if major == 5:
        mapping = {}
        count = 0
        while length is None or count < length:
            key, position = _item(data, position)
            if key is _BREAK:
                break
            mapping[key], position = _item(data, position)
            count += 1
        return mapping, position
    # major 6: a tag; tag 1 (epoch time) is the only one the protocol uses
    value, position = _item(data, position)
    return value, position


def _simple(data: bytes, position: int, info: int) -> tuple[Any, int]:
    if info == 20:
        return False, position
    if info == 21:
        return True, position
    if info in (22, 23):
        return None, position
    if info == 31:
        return _BREAK, position
    formats = {25: (">e", 2), 26: (">f", 4), 27: (">d", 8)}
    if info in formats:
        form, size = formats[info]
        return struct.unpack(form, data[position : position + size])[0], position + size
    raise CBORError(f"unsupported simple value {info}")


def dumps(value: Any) -> bytes:
    out = bytearray()
    _write(out, value)
    return bytes(out)


def _head(out: bytearray, major: int, length: int) -> None:
    if length < 24:
        out.append(major << 5 | length)
    elif length < 1 << 8:
        out += bytes([major << 5 | 24]) + length.to_bytes(1, "big")
    elif length < 1 << 16:
        out += bytes([major << 5 | 25]) + length.to_bytes(2, "big")
    elif length < 1 << 32:
        out += bytes([major << 5 | 26]) + length.to_bytes(4, "big")
    else:
        out += bytes([major << 5 | 27]) + length.to_bytes(8, "big")


def _write(out: bytearray, value: Any) -> None:
    if value is None:
        out.append(0xF6)
    elif value is True:
        out.append(0xF5)
    elif value is False:
        out.append(0xF4)
    elif isinstance(value, int):
        _head(out, 0, value) if value >= 0 else _head(out, 1, -1 - value)
    elif isinstance(value, float):
        out += b"\xfb" + struct.pack(">d", value)
    elif isinstance(value, datetime):
        out.append(0xC1)  # tag 1: epoch seconds
        _write(out, value.timestamp())
    elif isinstance(value, bytes):
        _head(out, 2, len(value))
        out += value
    elif isinstance(value, str):
        encoded = value.encode("utf-8")
        _head(out, 3, len(encoded))
        out += encoded
    elif isinstance(value, list | tuple):
        _head(out, 4, len(value))
        for item in value:
            _write(out, item)
    elif isinstance(value, dict):
        _head(out, 5, len(value))
        for key, item in value.items():
            _write(out, key)
            _write(out, item)
    else:
        raise TypeError(f"cannot write {type(value).__name__} as CBOR")
