"""SageMaker requests checked against botocore's own service model: required members,
types, lengths, ranges, enums and patterns, worded as the service words them (``Value '…'
at 'member.path' failed to satisfy constraint: …``, member paths in lower camel case).

botocore's client-side ``ParamValidator`` checks only required members, types and minimums,
so a request that the service would refuse (an unknown instance type, a name with an
underscore) passes it. The local backend answers these problems as ValidationException
(``local.model_validation``); stages check their requests with them before any call.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, cast

import botocore.session
from botocore.model import Shape


@lru_cache(maxsize=2)
def _service_model(service: str = "sagemaker"):
    return botocore.session.get_session().get_service_model(service)


@lru_cache(maxsize=256)
def _pattern(text: str) -> re.Pattern | None:
    """A service pattern (Java syntax) in Python's: Unicode classes become ``\\w``/``\\s``."""
    translated = text.replace("\\p{L}", "\\w").replace("\\p{N}", "\\w").replace("\\p{Z}", "\\s")
    try:
        return re.compile(translated, re.DOTALL)
    except re.error:
        return None


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _value_text(value: Any) -> str:
    return "null" if value is None else str(value)


def _problems(value: Any, shape: Shape, path: str) -> list[str]:
    def fail(constraint: str) -> list[str]:
        return [
            f"Value '{_value_text(value)}' at '{path}' failed to satisfy constraint: {constraint}"
        ]

    kind, meta = shape.type_name, shape.metadata
    if kind == "structure":
        if not isinstance(value, dict):
            return fail("Member must be a structure")
        found = []
        for name in shape.required_members:
            if value.get(name) is None:
                member = f"{path}.{_camel(name)}" if path else _camel(name)
                found.append(
                    f"Value null at '{member}' failed to satisfy constraint: "
                    "Member must not be null"
                )
        for name, item in value.items():
            if name in shape.members and item is not None:
                member = f"{path}.{_camel(name)}" if path else _camel(name)
                found += _problems(item, shape.members[name], member)
        return found
    if kind in ("list", "map"):
        expected = list if kind == "list" else dict
        if not isinstance(value, expected):
            return fail(f"Member must be a {kind}")
        found = []
        if "min" in meta and len(value) < meta["min"]:
            found += fail(f"Member must have length greater than or equal to {meta['min']}")
        if "max" in meta and len(value) > meta["max"]:
            found += fail(f"Member must have length less than or equal to {meta['max']}")
        if kind == "list":
            for index, item in enumerate(value, start=1):
                found += _problems(item, shape.member, f"{path}.{index}.member")
        else:
            for key, item in cast(dict, value).items():  # a dict: checked above
                found += _problems(key, shape.key, f"{path}.key")
                found += _problems(item, shape.value, f"{path}.{key}.member")
        return found
    if kind == "string":
        if not isinstance(value, str):
            return fail("Member must be a string")
        if shape.enum and value not in shape.enum:
            return fail(f"Member must satisfy enum value set: [{', '.join(shape.enum)}]")
        if "min" in meta and len(value) < meta["min"]:
            return fail(f"Member must have length greater than or equal to {meta['min']}")
        if "max" in meta and len(value) > meta["max"]:
            return fail(f"Member must have length less than or equal to {meta['max']}")
        pattern = _pattern(meta["pattern"]) if "pattern" in meta else None
        if pattern is not None and not pattern.fullmatch(value):
            return fail(f"Member must satisfy regular expression pattern: {meta['pattern']}")
        return []
    if kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            return fail("Member must be an integer")
        if "min" in meta and value < meta["min"]:
            return fail(f"Member must have value greater than or equal to {meta['min']}")
        if "max" in meta and value > meta["max"]:
            return fail(f"Member must have value less than or equal to {meta['max']}")
        return []
    if kind == "boolean" and not isinstance(value, bool):
        return fail("Member must be a boolean")
    return []


def request_problems(
    operation: str, request: dict[str, Any], service: str = "sagemaker"
) -> list[str]:
    """What the service would refuse in ``request`` for ``operation`` ([] when nothing);
    ``service`` is "sagemaker" or "sagemaker-runtime"."""
    shape = _service_model(service).operation_model(operation).input_shape
    return _problems(request, shape, "") if shape is not None else []


def member_names(operation: str, *path: str, service: str = "sagemaker") -> frozenset[str]:
    """The member names of the structure at ``path`` in ``operation``'s input (a list on the
    way is stepped into): what a dict a user hands over for that field may contain."""
    shape = _service_model(service).operation_model(operation).input_shape
    for name in path:
        shape = shape.members[name]
        if shape.type_name == "list":
            shape = shape.member
    return frozenset(shape.members)


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


def enum_values(shape_name: str) -> list[str]:
    """The allowed values of one of the model's string enums (``TransformInstanceType``)."""
    return list(_service_model().shape_for(shape_name).enum)
