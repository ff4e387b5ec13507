"""A grayscale PNG from a numpy array, with no imaging library: the examples write their
pictures (k-means centroids, ROC curves) with it, so they need nothing beyond smspark."""

from __future__ import annotations

import struct
import zlib

import numpy as np


def png(pixels: np.ndarray, scale: int = 16) -> bytes:
    """A grayscale PNG of ``pixels`` (values 0..1), each pixel a ``scale``-wide square."""
    image = np.kron(np.clip(pixels, 0, 1), np.ones((scale, scale)))
    rows = (255 - np.round(image * 255)).astype(np.uint8)  # dark ink on white, like the data
    raw = b"".join(b"\x00" + row.tobytes() for row in rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", image.shape[1], image.shape[0], 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
