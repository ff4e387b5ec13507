"""JSON and JSON Lines answers as SageMaker's first-party containers write them:
``{"<top key>": [{...}, ...]}`` (the top key is ``predictions`` for most algorithms and
``projections`` for PCA) or one object per line. The client deserializers read them here."""

from __future__ import annotations

import json
from typing import Any

from smspark_core.foundation.errors import ResponseError


def response_objects(body: bytes, top_key: str = "predictions") -> list[Any]:
    """The per-row items of an answer: the list under ``top_key`` of a JSON document, the
    document itself when it is one object without that key (JSON Lines of one row), or each
    non-blank line of a JSON Lines body."""
    try:
        document = json.loads(body)
    except ValueError:
        pass  # several lines: JSON Lines
    else:
        if isinstance(document, dict) and top_key in document:
            if not isinstance(document[top_key], list):
                raise ResponseError(f"the JSON response's {top_key!r} is not a list")
            return document[top_key]
        if isinstance(document, dict):
            return [document]
    objects = []
    for number, line in enumerate(body.decode("utf-8", "replace").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            objects.append(json.loads(line))
        except ValueError as error:
            raise ResponseError(f"malformed JSON Lines response, line {number}: {error}") from None
    return objects
