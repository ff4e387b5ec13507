"""Local requests refused as the service refuses them: the problems
``smspark_core.service_model`` finds, answered as one ValidationException
(``N validation error(s) detected: …``)."""

from __future__ import annotations

from typing import Any

from smspark_core.local.errors import validation
from smspark_core.service_model import request_problems


def validate_request(operation: str, request: dict[str, Any]) -> None:
    """Raises the service's ValidationException if ``request`` breaks the operation's input
    shape; returns quietly otherwise."""
    found = request_problems(operation, request)
    if found:
        count = len(found)
        raise validation(
            f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(found)
        )
