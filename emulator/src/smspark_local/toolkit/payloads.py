"""Inference payloads of the first-party containers, for local model servers.

Requests (``parse_features``): RecordIO-protobuf (dense or sparse records), ``text/csv``
(features only), ``application/json`` (``{"instances": [{"features": [...]}]}``, or
``{"instances": [{"data": {"features": {"values": [...], "keys": [...], "shape": [d]}}}]}``)
and ``application/jsonlines`` (one instance per line). A body that is not what its content
type says, or rows of the wrong width, is a 400 naming the row; an unknown content type a
415.

Responses (``encode_predictions``): per row, named results; RecordIO-protobuf (one Record
per row, results in ``label``), JSON (``{"predictions": [...]}``), JSON Lines or CSV,
following ``Accept``; an Accept the container cannot produce is a 406.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from smspark_core.codecs import amazon_record, recordio
from smspark_core.codecs.csv import CSVParseError, numeric_csv
from smspark_core.foundation.media_types import CSV, JSON, JSONLINES, PROTOBUF, media_type
from smspark_local.toolkit.container import InvocationError, InvocationResponse


def _bad(message: str) -> InvocationError:
    return InvocationError(400, message)


def _record_rows(body: bytes, feature_dim: int) -> list[tuple[np.ndarray | None, np.ndarray]]:
    """Each record's (keys or None when dense, values), checked against ``feature_dim``."""
    try:
        records = amazon_record.decode_records(body)
    except (recordio.RecordIOError, ValueError) as error:
        raise _bad(f"malformed RecordIO-protobuf request: {error}") from None
    rows: list[tuple[np.ndarray | None, np.ndarray]] = []
    for row, record in enumerate(records):
        if "values" not in record.features:
            raise _bad(f"record {row} has no features['values'] tensor")
        tensor = amazon_record.read_tensor(record.features["values"])
        if tensor is None:
            raise _bad(f"record {row}: features['values'] is not a tensor")
        if len(tensor.keys) or (len(tensor.shape) and not len(tensor.values)):
            keys = tensor.keys.astype(np.int64)  # sparse (an empty row too: shape, no keys)
            if len(tensor.shape) and int(tensor.shape[0]) != feature_dim:
                raise _bad(
                    f"record {row} has shape {int(tensor.shape[0])}, the model expects "
                    f"{feature_dim} features"
                )
            if len(keys) and keys.max() >= feature_dim:
                raise _bad(f"record {row}: key {int(keys.max())} >= feature_dim {feature_dim}")
            rows.append((keys, tensor.values))
        else:
            _check_width(len(tensor.values), feature_dim, row)
            rows.append((None, tensor.values))
    return rows


def _from_records(body: bytes, feature_dim: int) -> np.ndarray:
    rows = _record_rows(body, feature_dim)
    dense = np.zeros((len(rows), feature_dim))
    for row, (keys, values) in enumerate(rows):
        if keys is None:
            dense[row] = values
        else:
            dense[row, keys] = values
    return dense


def _csr(rows: list[tuple[np.ndarray | None, np.ndarray]], feature_dim: int) -> sp.csr_matrix:
    """Rows of (keys or None, values) as CSR, without ever making a dense row."""
    keys = [np.arange(len(v)) if k is None else k for k, v in rows]
    indptr = np.concatenate([[0], np.cumsum([len(k) for k in keys])]).astype(np.int64)
    indices = np.concatenate(keys).astype(np.int64) if keys else np.zeros(0, np.int64)
    data = np.concatenate([np.asarray(v, np.float64) for _, v in rows]) if rows else np.zeros(0)
    matrix = sp.csr_matrix((data, indices, indptr), shape=(len(rows), feature_dim))
    matrix.sum_duplicates()
    return matrix


def _check_width(width: int, feature_dim: int, row: int) -> None:
    if width != feature_dim:
        raise _bad(f"row {row} has {width} features, the model expects {feature_dim}")


def _from_csv(body: bytes, feature_dim: int) -> np.ndarray:
    if not body.strip():
        return np.zeros((0, feature_dim))
    try:
        values = numeric_csv(body)
    except CSVParseError as error:
        raise _bad(f"the CSV request is not numeric: {error}") from None
    _check_width(values.shape[1], feature_dim, 0)
    return values


def _instance_row(instance: Any, feature_dim: int, row: int) -> np.ndarray:
    keys, values = _instance_entries(instance, feature_dim, row)
    if keys is None:
        return values
    dense = np.zeros(feature_dim)
    dense[keys] = values
    return dense


def _instance_entries(
    instance: Any, feature_dim: int, row: int
) -> tuple[np.ndarray | None, np.ndarray]:
    """One JSON instance as (keys, values) when given sparse, else (None, dense values)."""
    if isinstance(instance, dict) and "features" in instance:
        features: Any = instance["features"]
    elif isinstance(instance, dict) and isinstance(instance.get("data"), dict):
        features = instance["data"].get("features")
    else:
        features = instance
    try:
        if isinstance(features, dict) and "keys" in features:
            keys = np.asarray(features["keys"], dtype=np.int64).ravel()
            values = np.asarray(features["values"], dtype=np.float64).ravel()
            if len(keys) and (keys.max() >= feature_dim or keys.min() < 0):
                raise _bad(f"row {row}: a key is outside 0..{feature_dim - 1}")
            if len(keys) != len(values):
                raise _bad(f"row {row}: {len(keys)} keys but {len(values)} values")
            return keys, values
        if isinstance(features, dict):
            features = features.get("values")
        values = np.asarray(features, dtype=np.float64)
    except (TypeError, ValueError):
        raise _bad(f"row {row}: features are not a list of numbers: {str(features)[:80]}") from None
    if values.ndim != 1:
        raise _bad(f"row {row}: features are not a flat list of numbers")
    _check_width(len(values), feature_dim, row)
    return None, values


def _json_instances(body: bytes, lines: bool) -> list[Any]:
    try:
        if lines:
            instances = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
        else:
            document = json.loads(body)
            if isinstance(document, dict):  # {"instances": [...]} or one instance
                instances = document.get("instances", [document])
            else:
                instances = document
    except (ValueError, KeyError, UnicodeDecodeError) as error:
        raise _bad(f"malformed JSON request: {error}") from None
    return instances


def _from_json(body: bytes, feature_dim: int, lines: bool) -> np.ndarray:
    instances = _json_instances(body, lines)
    rows = [_instance_row(item, feature_dim, i) for i, item in enumerate(instances)]
    return np.vstack(rows) if rows else np.zeros((0, feature_dim))


def parse_features(
    body: bytes, content_type: str, feature_dim: int, *, allow_missing: bool = False
) -> np.ndarray:
    """The request's rows as an (n, feature_dim) float64 array (see the module docstring).
    A NaN or infinite value is a 400 naming its row, unless ``allow_missing`` (XGBoost
    reads NaN as a missing value)."""
    rows = _parse(body, content_type, feature_dim)
    if not allow_missing and not np.isfinite(rows).all():
        row = int(np.argwhere(~np.isfinite(rows))[0][0])
        raise _bad(f"row {row} holds a NaN or infinite value")
    return rows


def parse_sparse_features(body: bytes, content_type: str, feature_dim: int) -> sp.csr_matrix:
    """The request's rows as an (n, feature_dim) CSR matrix, for models of very wide sparse
    data (factorization machines): sparse RecordIO records and JSON instances given as
    ``keys``/``values`` never become dense rows. Same formats and errors as
    ``parse_features``."""
    kind, _ = media_type(content_type)
    if kind in (PROTOBUF, "application/x-recordio"):
        matrix = _csr(_record_rows(body, feature_dim), feature_dim)
    elif kind in (JSON, JSONLINES):
        instances = _json_instances(body, lines=kind == JSONLINES)
        rows = [_instance_entries(item, feature_dim, i) for i, item in enumerate(instances)]
        matrix = _csr(rows, feature_dim)
    else:
        matrix = sp.csr_matrix(_parse(body, content_type, feature_dim))
    if not np.isfinite(matrix.data).all():
        row = int(np.searchsorted(matrix.indptr, np.argmax(~np.isfinite(matrix.data)), "right")) - 1
        raise _bad(f"row {row} holds a NaN or infinite value")
    return matrix


def _parse(body: bytes, content_type: str, feature_dim: int) -> np.ndarray:
    kind, _ = media_type(content_type)
    if kind in (PROTOBUF, "application/x-recordio"):
        return _from_records(body, feature_dim)
    if kind == CSV:
        return _from_csv(body, feature_dim)
    if kind in (JSON, JSONLINES):
        return _from_json(body, feature_dim, lines=kind == JSONLINES)
    raise InvocationError(
        415,
        f"content type {content_type!r} is not supported; use {PROTOBUF}, {CSV}, {JSON} "
        f"or {JSONLINES}",
    )


def negotiate(accept: str | None, offered: Sequence[str], default: str) -> str:
    """The first type of ``accept`` the container can produce (``*/*`` or none: ``default``);
    406 when it can produce none of them."""
    if not accept or not accept.strip():
        return default
    for choice in accept.split(","):
        kind, _ = media_type(choice)
        if kind in ("*/*", "", "*"):
            return default
        if kind in offered:
            return kind
    raise InvocationError(
        406, f"Accept {accept!r} is not supported; this container answers {', '.join(offered)}"
    )


def _json_value(values: np.ndarray) -> float | list[float]:
    return float(values) if values.ndim == 0 else [float(v) for v in values]


def encode_predictions(
    results: Mapping[str, np.ndarray], accept: str, *, json_key: str = "predictions"
) -> InvocationResponse:
    """Per-row results (each array has the rows first: (n,) scalars or (n, d) vectors) in
    the accepted format. CSV writes each row's values in ``results`` order."""
    names = list(results)
    columns = [np.asarray(results[name], dtype=np.float64) for name in names]
    count = len(columns[0]) if columns else 0
    if accept == PROTOBUF:
        float32 = [c.astype(np.float32).reshape(count, -1) for c in columns]
        body = b"".join(
            recordio.frame(
                amazon_record.response_record({n: c[row] for n, c in zip(names, float32)})
            )
            for row in range(count)
        )
        return InvocationResponse(body, PROTOBUF)
    rows = [{n: _json_value(c[row]) for n, c in zip(names, columns)} for row in range(count)]
    if accept == JSON:
        return InvocationResponse(json.dumps({json_key: rows}).encode(), JSON)
    if accept == JSONLINES:
        return InvocationResponse("".join(json.dumps(r) + "\n" for r in rows).encode(), JSONLINES)
    if accept == CSV:
        flat = np.hstack([c.reshape(count, -1) for c in columns]) if columns else np.zeros((0, 0))
        text = "".join(",".join(repr(float(v)) for v in row) + "\n" for row in flat)
        return InvocationResponse(text.encode(), CSV)
    raise InvocationError(406, f"Accept {accept!r} is not supported")


def response_types(*, csv: bool) -> tuple[str, ...]:
    """The Accept types a first-party container answers (k-means also answers CSV)."""
    return (PROTOBUF, JSON, JSONLINES, CSV) if csv else (PROTOBUF, JSON, JSONLINES)


def first_party_handler(
    predict: Callable[[np.ndarray], Mapping[str, np.ndarray]],
    feature_dim: int,
    *,
    csv_answers: bool = False,
    json_key: str = "predictions",
    sparse: bool = False,
) -> Callable[[bytes, str, str], InvocationResponse]:
    """A model server's ``handler(body, content_type, accept)`` for a first-party algorithm:
    negotiate the answer (JSON by default), parse the rows (as CSR with ``sparse``, see
    ``parse_sparse_features``), ``predict`` them, encode."""
    offered = response_types(csv=csv_answers)
    parse = parse_sparse_features if sparse else parse_features

    def handle(body: bytes, content_type: str, accept: str) -> InvocationResponse:
        answer = negotiate(accept, offered, JSON)
        features = parse(body, content_type, feature_dim)
        return encode_predictions(predict(features), answer, json_key=json_key)

    return handle
