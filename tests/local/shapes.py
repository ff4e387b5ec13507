"""Checks a raw JSON response against botocore's output shape for its operation: member
names, types, required members and enum values. botocore itself would silently drop unknown
members and coerce some types, so the check runs on the raw body (``before-parse`` event)."""

from __future__ import annotations

import json
from typing import Any

from botocore.model import Shape


def problems(value: Any, shape: Shape, path: str = "$") -> list[str]:
    found: list[str] = []
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{path}: expected an object, got {type(value).__name__}"]
        for required in shape.required_members:
            if required not in value:
                found.append(f"{path}: required member {required} is missing")
        for key, item in value.items():
            if key not in shape.members:
                found.append(f"{path}: unknown member {key}")
            else:
                found += problems(item, shape.members[key], f"{path}.{key}")
    elif kind == "list":
        if not isinstance(value, list):
            return [f"{path}: expected a list"]
        for index, item in enumerate(value):
            found += problems(item, shape.member, f"{path}[{index}]")
    elif kind == "map":
        if not isinstance(value, dict):
            return [f"{path}: expected a map"]
        for key, item in value.items():
            found += problems(item, shape.value, f"{path}.{key}")
    elif kind == "string":
        if not isinstance(value, str):
            found.append(f"{path}: expected a string, got {value!r}")
        elif shape.enum and value not in shape.enum:
            found.append(f"{path}: {value!r} is not one of {shape.enum}")
    elif kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            found.append(f"{path}: expected an integer, got {value!r}")
    elif kind in ("float", "double"):
        if not isinstance(value, int | float) or isinstance(value, bool):
            found.append(f"{path}: expected a number, got {value!r}")
    elif kind == "boolean":
        if not isinstance(value, bool):
            found.append(f"{path}: expected a boolean, got {value!r}")
    elif kind == "timestamp" and (
        not isinstance(value, int | float | str) or isinstance(value, bool)
    ):
        found.append(f"{path}: expected a timestamp, got {value!r}")
    return found


class ShapeRecorder:
    """Registers on a client and checks every JSON response it receives."""

    def __init__(self, client) -> None:
        self.checked: dict[str, int] = {}
        self.failures: list[str] = []
        client.meta.events.register("before-parse.*.*", self._check)

    def _check(self, operation_model, response_dict, **_: Any) -> None:
        if response_dict["status_code"] >= 300 or operation_model.metadata["protocol"] != "json":
            return
        body = json.loads(response_dict["body"] or b"{}")
        name = operation_model.name
        self.checked[name] = self.checked.get(name, 0) + 1
        if operation_model.output_shape is None:  # Delete*, Stop*: nothing to return
            if body:
                self.failures.append(f"{name}: expected an empty answer, got {body}")
            return
        self.failures += [f"{name} {p}" for p in problems(body, operation_model.output_shape)]
