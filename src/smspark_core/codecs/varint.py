"""Protobuf base-128 varints, for one value or a whole array at once."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

_THRESHOLDS = np.array([1 << (7 * i) for i in range(1, 10)], dtype=np.uint64)


@lru_cache(maxsize=65536)
def varint(value: int) -> bytes:
    """Encodes one non-negative integer as a protobuf varint (cached: lengths repeat)."""
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def varint_sizes(values: np.ndarray) -> np.ndarray:
    """The encoded byte count of each value (1 to 10), without encoding anything."""
    values = np.asarray(values, dtype=np.uint64)
    sizes = np.ones(values.shape, dtype=np.uint8)
    for threshold in _THRESHOLDS:
        above = values >= threshold
        if not above.any():
            break
        sizes += above
    return sizes


def encode_varints(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Encodes every value; returns the concatenated bytes (uint8) and each value's size.

    Fills an (n, longest) matrix with each value's 7-bit groups and continuation bits, one
    column at a time in the narrowest integer type that holds the largest value, then keeps
    the first ``size`` groups of every row: no loop over values. Raises ValueError for a
    negative value.
    """
    values = np.asarray(values)
    n = len(values)
    if n == 0:
        return np.zeros(0, np.uint8), np.zeros(0, np.uint8)
    if values.dtype.kind == "i" and values.min() < 0:
        raise ValueError(f"a varint of a negative value ({values.min()})")
    longest = max(1, (int(values.max()).bit_length() + 6) // 7)
    if longest == 1:
        return values.astype(np.uint8), np.ones(n, np.uint8)
    narrow = np.uint16 if longest <= 2 else np.uint32 if longest <= 4 else np.uint64
    rest = values.astype(narrow, copy=False)
    groups = np.empty((n, longest), np.uint8)
    keep = np.empty((n, longest), bool)
    keep[:, 0] = True
    sizes = np.ones(n, np.uint8)
    for position in range(longest):
        column = (rest & 0x7F).astype(np.uint8)
        if position + 1 < longest:
            more = rest >= 0x80
            column |= more.view(np.uint8) << 7
            keep[:, position + 1] = more
            sizes += more
            rest = rest >> 7
        groups[:, position] = column
    return groups.ravel()[keep.ravel()], sizes


def decode_packed(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Decodes a run of back-to-back varints (uint8 ``data``, ending on a complete varint);
    returns the values (uint64) and a mask of the bytes that end a varint. No loop over
    values: each byte's 7 bits are shifted by its place in its varint and summed per varint.
    Raises ValueError for a varint longer than 10 bytes (not a 64-bit protobuf varint)."""
    last = data < 0x80
    ends = np.flatnonzero(last)
    if len(ends) == 0:
        return np.zeros(0, np.uint64), last
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    sizes = ends - starts + 1
    if sizes.max() > 10:
        raise ValueError("a varint longer than 10 bytes")
    places = np.arange(len(data)) - np.repeat(starts, sizes)
    groups = (data & 0x7F).astype(np.uint64) << (7 * places).astype(np.uint64)
    return np.add.reduceat(groups, starts), last
