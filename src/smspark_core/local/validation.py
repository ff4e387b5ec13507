"""Request validation as the SageMaker service does it, from botocore's own service model:
every member of an operation's input is checked against its shape's constraints (enum
values such as the instance types each operation accepts, numeric ranges, lengths, name
patterns, required members), and the failures are reported in the service's words::

    ValidationException: 2 validation errors detected: Value 'ml.bogus.huge' at
    'resourceConfig.instanceType' failed to satisfy constraint: Member must satisfy enum value
    set: [...]; Value '0' at ...

botocore itself checks only types, required members and minimums on the client, so without
this a test could pass locally with a request the service refuses.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from botocore.model import Shape
from botocore.session import get_session

from smspark_core.local.errors import validation


@functools.cache
def _service_model() -> Any:
    return get_session().get_service_model("sagemaker")


@functools.cache
def _pattern(expression: str) -> re.Pattern | None:
    """A service pattern (a Java regex) compiled for Python; None when it uses a Java-only
    construct, so that one unusual pattern never rejects a valid request."""
    try:
        return re.compile(expression)
    except re.error:
        return None


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _constraint(value: Any, where: str, text: str) -> str:
    shown = "null" if value is None else f"'{value}'"
    return f"Value {shown} at '{where}' failed to satisfy constraint: Member must {text}"


def _check(shape: Shape, value: Any, where: str, errors: list[str]) -> None:
    meta = shape.metadata
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return
        for name in getattr(shape, "required_members", []):
            if value.get(name) is None:
                errors.append(_constraint(None, _join(where, name), "not be null"))
        for name, member in shape.members.items():
            if value.get(name) is not None:
                _check(member, value[name], _join(where, name), errors)
    elif kind == "list":
        if not isinstance(value, list):
            return
        _length(value, len(value), meta, where, errors)
        for index, item in enumerate(value, start=1):
            _check(shape.member, item, f"{where}.{index}.member", errors)
    elif kind == "map":
        if not isinstance(value, dict):
            return
        _length(value, len(value), meta, where, errors)
        for key, item in value.items():
            _check(shape.key, key, f"{where}.{key}.key", errors)
            _check(shape.value, item, f"{where}.{key}.value", errors)
    elif kind == "string":
        if not isinstance(value, str):
            return
        if "enum" in meta and value not in meta["enum"]:
            allowed = ", ".join(meta["enum"])
            errors.append(_constraint(value, where, f"satisfy enum value set: [{allowed}]"))
            return
        _length(value, len(value), meta, where, errors)
        pattern = _pattern(meta["pattern"]) if "pattern" in meta else None
        if pattern is not None and not pattern.fullmatch(value):
            errors.append(
                _constraint(value, where, f"satisfy regular expression pattern: {meta['pattern']}")
            )
    elif kind in ("integer", "long", "float", "double") and isinstance(value, int | float):
        if "min" in meta and value < meta["min"]:
            errors.append(
                _constraint(value, where, f"have value greater than or equal to {meta['min']}")
            )
        if "max" in meta and value > meta["max"]:
            errors.append(
                _constraint(value, where, f"have value less than or equal to {meta['max']}")
            )


def _length(value: Any, size: int, meta: dict, where: str, errors: list[str]) -> None:
    if "min" in meta and size < meta["min"]:
        errors.append(
            _constraint(value, where, f"have length greater than or equal to {meta['min']}")
        )
    if "max" in meta and size > meta["max"]:
        errors.append(_constraint(value, where, f"have length less than or equal to {meta['max']}"))


def _join(where: str, name: str) -> str:
    return f"{where}.{_lower_first(name)}" if where else _lower_first(name)


def validation_errors(operation: str, request: dict[str, Any]) -> list[str]:
    """Every constraint of ``operation``'s input that ``request`` breaks, in the service's
    words (empty when it is valid)."""
    errors: list[str] = []
    _check(_service_model().operation_model(operation).input_shape, request, "", errors)
    errors += _semantic_errors(operation, request)
    return errors


def _semantic_errors(operation: str, request: dict[str, Any]) -> list[str]:
    """Rules the service enforces beyond the shapes: a training cluster without instance
    groups needs an instance type and at least one instance (the shape allows 0 because
    heterogeneous clusters put their counts in InstanceGroups)."""
    errors: list[str] = []
    if operation == "CreateTrainingJob":
        resources = request.get("ResourceConfig") or {}
        if resources and not resources.get("InstanceGroups"):
            if not resources.get("InstanceType"):
                errors.append(_constraint(None, "resourceConfig.instanceType", "not be null"))
            count = resources.get("InstanceCount")
            if not isinstance(count, int) or count < 1:
                errors.append(
                    _constraint(
                        count,
                        "resourceConfig.instanceCount",
                        "have value greater than or equal to 1",
                    )
                )
    return errors


def validate(operation: str, request: dict[str, Any]) -> None:
    """Raises the service's ValidationException when ``request`` breaks any constraint."""
    errors = validation_errors(operation, request)
    if errors:
        count = len(errors)
        noun = "validation error" if count == 1 else "validation errors"
        raise validation(f"{count} {noun} detected: " + "; ".join(errors))
