"""Protobuf base-128 varints, for one value or a whole array at once."""

from __future__ import annotations

import numpy as np

_THRESHOLDS = np.array([1 << (7 * i) for i in range(1, 10)], dtype=np.uint64)


def varint(value: int) -> bytes:
    """Encodes one non-negative integer as a protobuf varint."""
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def varint_sizes(values: np.ndarray) -> np.ndarray:
    """The encoded byte count of each value (1 to 10), without encoding anything."""
    values = np.asarray(values, dtype=np.uint64)
    sizes = np.ones(values.shape, dtype=np.int64)
    for threshold in _THRESHOLDS:
        sizes += values >= threshold
    return sizes


def encode_varints(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Encodes every value; returns the concatenated bytes (uint8) and each value's size.

    Loops over byte positions (at most 10), never over values.
    """
    values = np.asarray(values, dtype=np.uint64)
    sizes = varint_sizes(values)
    starts = np.zeros(values.shape, dtype=np.int64)
    np.cumsum(sizes[:-1], out=starts[1:])
    out = np.empty(int(sizes.sum()), dtype=np.uint8)
    for position in range(int(sizes.max(initial=0))):
        present = sizes > position
        group = (values[present] >> np.uint64(7 * position)) & np.uint64(0x7F)
        more = (sizes[present] > position + 1).astype(np.uint64) << np.uint64(7)
        out[starts[present] + position] = (group | more).astype(np.uint8)
    return out, sizes
