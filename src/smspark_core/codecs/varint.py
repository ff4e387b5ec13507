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
    rest: np.ndarray = values.astype(narrow, copy=False)
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
    returns the values (uint64) and the position of each varint's last byte. No loop over
    values: starting from every varint's last (most significant) group, each further step
    takes in the group one byte before it, for the varints that long.
    Raises ValueError for a varint longer than 10 bytes (not a 64-bit protobuf varint)."""
    ends = np.flatnonzero(data < 0x80)
    if len(ends) == 0:
        return np.zeros(0, np.uint64), ends
    sizes = np.diff(ends, prepend=-1)
    longest = int(sizes.max())
    if longest > 10:
        raise ValueError("a varint longer than 10 bytes")
    wide = np.uint32 if longest <= 4 else np.uint64  # 4 groups = 28 bits
    values = (data[ends] & 0x7F).astype(wide)
    for back in range(1, longest):
        # Where a varint is shorter, ends - back lands in an earlier varint (or wraps to the
        # end of data for the first one): read, then discarded by the where.
        group = (data[ends - back] & 0x7F).astype(wide)
        values = np.where(sizes > back, (values << 7) | group, values)
    return values.astype(np.uint64), ends
