"""Reading a training channel in mini-batches, for local algorithm images.

A channel's files are read one at a time and cut into batches of ``batch_rows`` rows, so a
large channel is never held in memory at once. The format follows the channel's
``ContentType`` (``inputdataconfig.json``), as the real containers do:

* ``application/x-recordio-protobuf`` (the default): Amazon Records, dense or sparse
  ``features["values"]`` and an optional ``label["values"]``;
* ``text/csv``: no header, ``label_size`` leading label columns (the parameter of the
  content type, e.g. ``text/csv;label_size=0``; otherwise ``default_label_size``);
* ``text/libsvm`` / ``text/x-libsvm``: ``label index:value ...``; index ``j`` is column ``j``,
  as XGBoost reads it;
* ``application/x-parquet``: the label column first, then one column per feature.

Gzip-compressed files are recognised by their magic bytes. Sparse input gives CSR batches.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import scipy.sparse as sp

from smspark_core.codecs import amazon_record, recordio
from smspark_core.codecs.amazon_record import Record
from smspark_core.codecs.csv import CSVParseError, numeric_csv_blocks
from smspark_core.codecs.libsvm import LibSVMParseError, parse_libsvm_rows
from smspark_core.foundation.errors import SmsparkError
from smspark_core.foundation.media_types import CSV, PROTOBUF, media_type
from smspark_core.foundation.media_types import LIBSVM_TYPES as LIBSVM
from smspark_core.foundation.media_types import PARQUET_TYPES as PARQUET
from smspark_local.toolkit.container import TrainingEnvironment


class ChannelFormatError(SmsparkError, ValueError):
    """Channel data that cannot be read; names the file and the row."""


@dataclass
class Batch:
    """A mini-batch: features (n, d) as float64 ndarray or CSR, labels (n,) or None."""

    features: np.ndarray | sp.csr_matrix
    labels: np.ndarray | None = None
    weights: np.ndarray | None = None

    def __len__(self) -> int:
        return self.features.shape[0]

    def dense(self) -> np.ndarray:
        return self.features if isinstance(self.features, np.ndarray) else self.features.toarray()


def channel_content_type(env: TrainingEnvironment, channel: str, default: str = PROTOBUF) -> str:
    return env.input_data_config.get(channel, {}).get("ContentType") or default


def _open(path: Path) -> io.BufferedIOBase:
    """The file for streaming reads, decompressed on the fly when it is gzip."""
    with path.open("rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gzipped else path.open("rb")


def _read(path: Path) -> bytes:
    with _open(path) as file:
        return file.read()


def _record_batch(records: list[Record], path: Path, first: int, feature_dim: int | None) -> Batch:
    keys: list[np.ndarray | None] = []
    values: list[np.ndarray] = []
    labels: list[float] = []
    width = feature_dim or 0
    for number, record in enumerate(records, start=first):
        tensor = (
            amazon_record.read_tensor(record.features["values"])
            if "values" in record.features
            else None
        )
        if tensor is None:
            raise ChannelFormatError(
                f"{path.name}: record {number} has no features['values'] tensor"
            )
        # sparse: keys, or a shape without values (an all-zero sparse row)
        sparse = len(tensor.keys) > 0 or (len(tensor.shape) > 0 and len(tensor.values) == 0)
        keys.append(tensor.keys.astype(np.int64) if sparse else None)
        values.append(tensor.values)
        if sparse and len(tensor.shape):
            width = max(width, int(tensor.shape[0]))
        if "values" in record.label:
            label = amazon_record.read_tensor(record.label["values"])
            labels.append(float(label.values[0]) if label is not None and len(label.values) else 0)
    if labels and len(labels) != len(records):
        raise ChannelFormatError(
            f"{path.name}: records {first}..{first + len(records) - 1} mix labelled and "
            "unlabelled rows"
        )
    label_array = np.asarray(labels) if labels else None
    if all(k is None for k in keys):
        sizes = {len(v) for v in values}
        if len(sizes) > 1:
            raise ChannelFormatError(
                f"{path.name}: records {first}..{first + len(records) - 1} have different "
                f"feature counts {sorted(sizes)}"
            )
        return Batch(np.vstack(values), label_array)
    row_keys = [np.arange(len(v)) if k is None else k for k, v in zip(keys, values)]
    indices = np.concatenate(row_keys)
    indptr = np.concatenate([[0], np.cumsum([len(k) for k in row_keys])])
    width = max(width, int(indices.max()) + 1 if len(indices) else 0)
    matrix = sp.csr_matrix((np.concatenate(values), indices, indptr), shape=(len(records), width))
    return Batch(matrix, label_array)


def _payload_batch(payloads: list[bytes], path: Path, first: int, feature_dim: int | None) -> Batch:
    """Dense records of the staging layout are decoded in one numpy pass; anything else
    (sparse, mixed, other writers) record by record."""
    dense = amazon_record.decode_dense_batch(payloads)
    if dense is not None:
        return Batch(*dense)
    records = []
    for payload in payloads:
        record = Record()
        record.ParseFromString(payload)
        records.append(record)
    return _record_batch(records, path, first, feature_dim)


def _protobuf_batches(path: Path, batch_rows: int, feature_dim: int | None) -> Iterator[Batch]:
    pending: list[bytes] = []
    first = 0
    with _open(path) as file:
        try:
            for payload in recordio.read_payloads(file):
                pending.append(payload)
                if len(pending) == batch_rows:
                    yield _payload_batch(pending, path, first, feature_dim)
                    first += len(pending)
                    pending = []
        except recordio.RecordIOError as error:
            raise ChannelFormatError(f"{path.name}: {error}") from None
    if pending:
        yield _payload_batch(pending, path, first, feature_dim)


def _csv_batches(path: Path, batch_rows: int, label_size: int) -> Iterator[Batch]:
    first = 0
    with _open(path) as file:
        try:
            for values in _rebatched(numeric_csv_blocks(file), batch_rows):
                if values.shape[1] <= label_size:
                    raise ChannelFormatError(
                        f"{path.name}: row {first} has {values.shape[1]} columns, not more "
                        f"than the {label_size} label column(s)"
                    )
                labels = values[:, 0] if label_size else None
                yield Batch(np.ascontiguousarray(values[:, label_size:]), labels)
                first += len(values)
        except CSVParseError as error:
            raise ChannelFormatError(f"{path.name}: near row {first}: {error}") from None


def _rebatched(blocks: Iterator[np.ndarray], rows: int) -> Iterator[np.ndarray]:
    """The rows of ``blocks`` in mini-batches of exactly ``rows`` (the last may be short)."""
    pending: list[np.ndarray] = []
    held = 0
    for block in blocks:
        pending.append(block)
        held += len(block)
        while held >= rows:
            joined = np.concatenate(pending)
            yield joined[:rows]
            pending, held = [joined[rows:]], held - rows
    if held:
        yield np.concatenate(pending)


def _libsvm_batch(lines: list[str], path: Path, first: int, width: int | None) -> Batch:
    try:
        rows = parse_libsvm_rows("\n".join(lines), one_based=False, first_line=first + 1)
    except LibSVMParseError as error:
        raise ChannelFormatError(f"{path.name}: {error}") from None
    matrix = sp.csr_matrix(
        (rows.values, rows.indices, rows.indptr), shape=(len(lines), max(width or 0, rows.width))
    )
    return Batch(matrix, rows.labels)


def _libsvm_batches(path: Path, batch_rows: int, width: int | None) -> Iterator[Batch]:
    lines = [line for line in _read(path).decode().splitlines() if line.strip()]
    for start in range(0, len(lines), batch_rows):
        yield _libsvm_batch(lines[start : start + batch_rows], path, start, width)


def _parquet_batches(path: Path, batch_rows: int) -> Iterator[Batch]:
    file = pq.ParquetFile(path)
    for table in file.iter_batches(batch_size=batch_rows):
        values = np.column_stack([c.to_numpy(zero_copy_only=False) for c in table.columns])
        values = values.astype(np.float64)
        yield Batch(np.ascontiguousarray(values[:, 1:]), values[:, 0])


def iter_batches(
    env: TrainingEnvironment,
    channel: str,
    batch_rows: int,
    *,
    feature_dim: int | None = None,
    default_label_size: int = 1,
    default_content_type: str = PROTOBUF,
) -> Iterator[Batch]:
    """The channel's rows in batches of at most ``batch_rows`` (a file's last batch may be
    smaller); nothing when the channel is absent. ``default_content_type`` applies when the
    channel declares none (the algorithm's default)."""
    kind, params = media_type(channel_content_type(env, channel, default_content_type))
    for path in env.channel_files(channel):
        if kind in (PROTOBUF, "application/x-recordio", "recordio-protobuf"):
            yield from _protobuf_batches(path, batch_rows, feature_dim)
        elif kind in (CSV, "csv"):
            label_size = int(params.get("label_size", default_label_size))
            yield from _csv_batches(path, batch_rows, label_size)
        elif kind in LIBSVM:
            yield from _libsvm_batches(path, batch_rows, feature_dim)
        elif kind in PARQUET:
            yield from _parquet_batches(path, batch_rows)
        else:
            raise ChannelFormatError(
                f"channel {channel!r}: content type {kind!r} is not supported (use "
                f"{PROTOBUF}, {CSV}, text/libsvm or application/x-parquet)"
            )


def read_all(env: TrainingEnvironment, channel: str, **options) -> Batch | None:
    """The whole channel as one batch (for algorithms that need every row, and small data);
    None when the channel is absent or empty."""
    batches = list(iter_batches(env, channel, 1 << 20, **options))
    if not batches:
        return None
    if any(sp.issparse(b.features) for b in batches):
        width = max(b.features.shape[1] for b in batches)
        parts = [sp.csr_matrix(b.features) for b in batches]
        parts = [
            sp.csr_matrix((p.data, p.indices, p.indptr), shape=(p.shape[0], width)) for p in parts
        ]
        features = sp.vstack(parts, format="csr")
    else:
        features = np.vstack([b.features for b in batches])
    labels = (
        np.concatenate([b.labels for b in batches])
        if all(b.labels is not None for b in batches)
        else None
    )
    return Batch(features, labels)
