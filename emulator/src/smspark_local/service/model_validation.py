"""Local requests refused as the service refuses them: the problems
``smspark_core.aws.service_model`` finds, answered as one ValidationException
(``N validation error(s) detected: …``)."""

from __future__ import annotations

from typing import Any

from smspark_core.aws.service_model import request_problems, service_rule_problems
from smspark_local.service.errors import validation


def validate_request(operation: str, request: dict[str, Any]) -> None:
    """Raises the service's ValidationException if ``request`` breaks the operation's input
    shape or the service's own rules (``service_model.service_rule_problems``); returns
    quietly otherwise."""
    found = request_problems(operation, request) + service_rule_problems(operation, request)
    if found:
        count = len(found)
        raise validation(
            f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(found)
        )
