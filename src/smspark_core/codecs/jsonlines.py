"""JSON and JSON Lines bodies as the SageMaker algorithms read and write them.

Requests: ``{"instances": [{"features": [...]}, ...]}`` (JSON) or one ``{"features": [...]}``
per line (JSON Lines). Responses: ``{"<top key>": [{...}, ...]}`` (JSON, the top key is
``predictions`` for most algorithms and ``projections`` for PCA) or one object per line.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from typing import Any


def _finite(values: Iterable[float]) -> list[float]:
    out = [float(v) for v in values]
    if not all(math.isfinite(v) for v in out):
        raise ValueError("JSON cannot carry NaN or infinite feature values")
    return out


def jsonlines_request(rows: Iterable[Sequence[float]]) -> bytes:
    """One ``{"features": [...]}`` object per line."""
    return "".join(
        json.dumps({"features": _finite(row)}, separators=(",", ":")) + "\n" for row in rows
    ).encode()


def json_request(rows: Iterable[Sequence[float]]) -> bytes:
    """``{"instances": [{"features": [...]}, ...]}``."""
    instances = [{"features": _finite(row)} for row in rows]
    return json.dumps({"instances": instances}, separators=(",", ":")).encode()


def parse_json_response(body: bytes | str, top_key: str = "predictions") -> list[dict[str, Any]]:
    """The list of per-row objects under ``top_key`` of a JSON response."""
    document = json.loads(body)
    if not isinstance(document, dict) or not isinstance(document.get(top_key), list):
        raise ValueError(f"expected a JSON object with a {top_key!r} list")
    return document[top_key]


def parse_jsonlines_response(body: bytes | str) -> list[dict[str, Any]]:
    """One JSON object per non-blank line."""
    text = body.decode() if isinstance(body, bytes | bytearray) else body
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            item = json.loads(line)
            if not isinstance(item, dict):
                raise ValueError(f"line {number} of the JSON Lines body is not an object")
            rows.append(item)
    return rows
