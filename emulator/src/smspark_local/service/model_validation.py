"""Local requests refused as the service refuses them: the problems
``smspark_core.service_model`` finds, answered as one ValidationException
(``N validation error(s) detected: …``)."""

from __future__ import annotations

from typing import Any

from smspark_core.service_model import request_problems
from smspark_local.service.errors import validation


def service_rule_problems(operation: str, request: dict[str, Any]) -> list[str]:
    """Rules the service enforces beyond the input shapes, in the same words: a training
    cluster without instance groups needs an instance type and at least one instance (the
    shape allows 0 because heterogeneous clusters count theirs in InstanceGroups)."""
    resources = request.get("ResourceConfig") or {}
    if operation != "CreateTrainingJob" or not resources or resources.get("InstanceGroups"):
        return []
    found = []
    if not resources.get("InstanceType"):
        found.append(
            "Value null at 'resourceConfig.instanceType' failed to satisfy constraint: "
            "Member must not be null"
        )
    count = resources.get("InstanceCount")
    if not isinstance(count, int) or count < 1:
        found.append(
            f"Value '{count}' at 'resourceConfig.instanceCount' failed to satisfy constraint: "
            "Member must have value greater than or equal to 1"
        )
    return found


def validate_request(operation: str, request: dict[str, Any]) -> None:
    """Raises the service's ValidationException if ``request`` breaks the operation's input
    shape or the service's own rules; returns quietly otherwise."""
    found = request_problems(operation, request) + service_rule_problems(operation, request)
    if found:
        count = len(found)
        raise validation(
            f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(found)
        )
