"""MXNet's NDArray file format (``mx.nd.save``/``mx.nd.load``): the ``model_algo-1`` file
inside the first-party algorithms' ``model.tar.gz``.

A list file (k-means: the centroids) has no names; a dict file (PCA: ``v``, ``s``,
``mean``) names every array. Only dense CPU arrays are written; float32, float64, float16,
uint8, int32, int8 and int64 arrays are read. The layout is that of apache/mxnet
``src/ndarray/ndarray.cc`` (``NDArray::Save``/``Load``)::

    u64 0x112, u64 0                       file magic, reserved
    u64 count, then each array:
        u32 0xF993FAC9                     NDArray V2 magic
        i32 storage type (0 = dense)
        i32 ndim, ndim x i64               shape
        i32 device type (1 = cpu), i32 device id
        i32 type flag                      (0 = float32, 1 = float64, ...)
        raw little-endian data
    u64 count, then each name: u64 length + bytes   (count 0 for a list file)
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence

import numpy as np

from smspark_core.foundation.errors import SmsparkError

FILE_MAGIC = 0x112
ARRAY_MAGIC_V2 = 0xF993FAC9
_DENSE = 0
_CPU = 1
_TYPE_FLAGS: dict[int, np.dtype] = {
    0: np.dtype("<f4"),
    1: np.dtype("<f8"),
    2: np.dtype("<f2"),
    3: np.dtype("u1"),
    4: np.dtype("<i4"),
    5: np.dtype("i1"),
    6: np.dtype("<i8"),
}
_FLAG_OF = {dtype: flag for flag, dtype in _TYPE_FLAGS.items()}


class NDArrayFormatError(SmsparkError, ValueError):
    """A file that is not an MXNet NDArray file this module can read; names the byte offset."""


def _encode_array(array: np.ndarray) -> bytes:
    array = np.ascontiguousarray(array)
    dtype = array.dtype.newbyteorder("<") if array.dtype.itemsize > 1 else array.dtype
    if dtype not in _FLAG_OF:
        raise TypeError(f"MXNet cannot store arrays of dtype {array.dtype}")
    head = struct.pack("<Iii", ARRAY_MAGIC_V2, _DENSE, array.ndim)
    head += struct.pack(f"<{array.ndim}q", *array.shape)
    head += struct.pack("<iii", _CPU, 0, _FLAG_OF[dtype])
    return head + array.astype(dtype, copy=False).tobytes()


def dumps(arrays: Sequence[np.ndarray] | Mapping[str, np.ndarray]) -> bytes:
    """A list file for a sequence of arrays, a dict file for a mapping."""
    names = list(arrays) if isinstance(arrays, Mapping) else []
    values = list(arrays.values()) if isinstance(arrays, Mapping) else list(arrays)
    parts = [struct.pack("<QQQ", FILE_MAGIC, 0, len(values))]
    parts += [_encode_array(np.asarray(v)) for v in values]
    parts.append(struct.pack("<Q", len(names)))
    for name in names:
        encoded = name.encode()
        parts.append(struct.pack("<Q", len(encoded)) + encoded)
    return b"".join(parts)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.position = 0

    def take(self, fmt: str) -> tuple:
        size = struct.calcsize(fmt)
        if self.position + size > len(self.data):
            raise NDArrayFormatError(
                f"truncated at byte {self.position}: {size} more bytes expected"
            )
        values = struct.unpack_from(fmt, self.data, self.position)
        self.position += size
        return values

    def raw(self, size: int) -> bytes:
        if self.position + size > len(self.data):
            raise NDArrayFormatError(
                f"truncated array data at byte {self.position}: {size} bytes expected"
            )
        chunk = self.data[self.position : self.position + size]
        self.position += size
        return chunk


def _decode_array(reader: _Reader) -> np.ndarray:
    start = reader.position
    (magic,) = reader.take("<I")
    if magic != ARRAY_MAGIC_V2:
        raise NDArrayFormatError(
            f"array at byte {start}: magic {magic:#x} is not the NDArray V2 magic "
            f"{ARRAY_MAGIC_V2:#x} (files from MXNet before 1.0 are not supported)"
        )
    storage, ndim = reader.take("<ii")
    if storage != _DENSE:
        raise NDArrayFormatError(f"array at byte {start}: only dense arrays are supported")
    if not 0 <= ndim <= 32:
        raise NDArrayFormatError(f"array at byte {start}: implausible ndim {ndim}")
    shape = reader.take(f"<{ndim}q")
    _device, _device_id, flag = reader.take("<iii")
    if flag not in _TYPE_FLAGS:
        raise NDArrayFormatError(f"array at byte {start}: unknown type flag {flag}")
    dtype = _TYPE_FLAGS[flag]
    count = int(np.prod(shape, dtype=np.int64)) if ndim else 0
    if any(s < 0 for s in shape):
        raise NDArrayFormatError(f"array at byte {start}: negative shape {shape}")
    return np.frombuffer(reader.raw(count * dtype.itemsize), dtype).reshape(shape).copy()


def loads(data: bytes) -> list[np.ndarray] | dict[str, np.ndarray]:
    """The arrays of an NDArray file: a list, or a dict when the file names them."""
    reader = _Reader(data)
    magic, _reserved = reader.take("<QQ")
    if magic != FILE_MAGIC:
        raise NDArrayFormatError(f"not an MXNet NDArray file: magic {magic:#x} at byte 0")
    (count,) = reader.take("<Q")
    arrays = [_decode_array(reader) for _ in range(count)]
    (name_count,) = reader.take("<Q")
    if name_count == 0:
        return arrays
    if name_count != count:
        raise NDArrayFormatError(f"{name_count} names for {count} arrays")
    names = []
    for _ in range(name_count):
        (length,) = reader.take("<Q")
        names.append(reader.raw(length).decode())
    return dict(zip(names, arrays, strict=True))
