"""``StageSetting``: a Spark Param that configures a stage, never the algorithm, and the
converters that check setting values.

A ``StageSetting`` is never sent as a hyperparameter. It carries what pyspark's Param does
not: the type its getter returns (``value_type``, for the generated accessors of
``smspark_core.accessor_codegen``), its default (copied into each stage, so no two stages
share a mutable default) and how its value is saved as JSON (``persisted_as``, see
``smspark_core.aws.persistence``). The converters raise ``TypeError`` for a value of the wrong
type and ``ValueError`` for one outside the domain; pyspark names the Param in the former,
``named`` in the latter.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from pyspark.ml.param import Param, Params

from smspark_core.aws.persistence import PLAIN, ValueCodec
from smspark_core.aws.resources import EndpointCreationPolicy, S3DataPath, S3Resource

_NO_DEFAULT = object()


class StageSetting(Param):
    """A Param that configures the stage, not the algorithm: never a hyperparameter.

    ``value_type`` is the type its getter returns (as source text, for the generated
    accessors); ``default`` is copied into each stage that declares it; ``persisted_as``
    turns a value into JSON and back."""

    def __init__(
        self,
        name: str,
        doc: str,
        converter: Callable[[Any], Any],
        value_type: str = "Any",
        *,
        default: Any = _NO_DEFAULT,
        persisted_as: ValueCodec = PLAIN,
    ) -> None:
        super().__init__(Params._dummy(), name, doc, converter)
        self.value_type = value_type
        self.default = default
        self.persisted_as = persisted_as

    @property
    def has_default(self) -> bool:
        return self.default is not _NO_DEFAULT


class SettingDefaults(Params):
    """Sets each declared ``StageSetting``'s default on the instance (a fresh copy, so no
    two stages share a mutable default)."""

    def _set_setting_defaults(self) -> None:
        defaults = {
            param.name: copy.copy(param.default)
            for param in self.params
            if isinstance(param, StageSetting) and param.has_default
        }
        self._setDefault(**defaults)

    def setting_values(self, names: tuple[str, ...]) -> dict[str, Any]:
        """The defined values of the named settings, as constructor keywords."""
        return {
            name: self.getOrDefault(name)
            for name in names
            if self.hasParam(name) and self.isDefined(self.getParam(name))
        }


# ------------------------------------------------------------------------------ converters


def named(name: str, check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``check`` with the setting's name in its errors (pyspark prefixes TypeErrors only)."""

    def convert(value: Any) -> Any:
        try:
            return check(value)
        except ValueError as error:
            raise ValueError(f"{name}: {error}") from None

    return convert


def to_str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__} {value!r}")
    return value


def to_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise TypeError(f"expected an integer, got {type(value).__name__} {value!r}")
    return int(value)


def to_float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {type(value).__name__} {value!r}")
    return float(value)


def to_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected True or False, got {type(value).__name__} {value!r}")
    return value


def at_least(low: float, convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        number = convert(value)
        if number < low:
            raise ValueError(f"must be at least {low}, got {number}")
        return number

    return check


def within(low: float, high: float, convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        number = convert(value)
        if not low <= number <= high:
            raise ValueError(f"must be {low} to {high}, got {number}")
        return number

    return check


def positive(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        number = convert(value)
        if not number > 0:
            raise ValueError(f"must be greater than 0, got {number}")
        return number

    return check


def one_of(*choices: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        text = to_str(value)
        if text not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}, got {text!r}")
        return text

    return check


def instance_count(name: str) -> Callable[[Any], int]:
    """An instance count: an integer (``2.0`` is 2). Whether SageMaker accepts it (>= 1) is
    checked with the request it goes into, before anything is staged or created, in the
    service's words and naming the setting (``smspark_core.aws.preflight``)."""

    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"expected an integer, got {type(value).__name__} {value!r}")
        if not float(value).is_integer():
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        return int(value)

    return check


def string_map(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise TypeError(f"expected a dict of strings, got {type(value).__name__} {value!r}")
    return {str(k): str(v) for k, v in value.items()}


def string_list(value: Any) -> list[str]:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise TypeError(f"expected a list of strings, got {type(value).__name__} {value!r}")
    return [to_str(item) for item in value]


def tag_list(value: Any) -> list[dict[str, str]]:
    """``{"team": "ml"}`` or ``[{"Key": "team", "Value": "ml"}]``, kept as the latter."""
    if isinstance(value, Mapping):
        return [{"Key": str(k), "Value": str(v)} for k, v in value.items()]
    if isinstance(value, list | tuple) and all(
        isinstance(t, Mapping) and set(t) == {"Key", "Value"} for t in value
    ):
        return [{"Key": str(t["Key"]), "Value": str(t["Value"])} for t in value]
    raise TypeError(f"expected a dict or a list of {{'Key', 'Value'}} dicts, got {value!r}")


def vpc_config(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, Mapping) or set(value) != {"SecurityGroupIds", "Subnets"}:
        raise TypeError(f"expected {{'SecurityGroupIds': [...], 'Subnets': [...]}}, got {value!r}")
    return {key: [str(item) for item in value[key]] for key in ("SecurityGroupIds", "Subnets")}


def variant_list(value: Any) -> list[dict[str, Any]]:
    """Production variants as CreateEndpointConfig takes them: a list of dicts with string
    keys (``VariantName``, ``ModelName``, ``InitialVariantWeight``, instances or
    ``ServerlessConfig``, ...), copied. The fields themselves are checked against botocore's
    model with the request."""
    if isinstance(value, list | tuple) and all(
        isinstance(v, Mapping) and all(isinstance(k, str) for k in v) for v in value
    ):
        return [dict(v) for v in value]
    raise TypeError(f"expected a list of production variant dicts, got {value!r}")


def instance_of(*types: type) -> Callable[[Any], Any]:
    names = " or ".join(t.__name__ for t in types)

    def check(value: Any) -> Any:
        if not isinstance(value, types):
            raise TypeError(f"expected a {names}, got {type(value).__name__} {value!r}")
        return value

    return check


def s3_location(value: Any) -> S3Resource:
    """An ``S3Resource``, or an ``s3://`` URI as an ``S3DataPath``."""
    if isinstance(value, str):
        return S3DataPath.from_s3_uri(value)
    return instance_of(S3Resource)(value)


def endpoint_policy(value: Any) -> EndpointCreationPolicy:
    """An ``EndpointCreationPolicy``, or its name."""
    if isinstance(value, str):
        try:
            return EndpointCreationPolicy(value)
        except ValueError:
            names = ", ".join(p.value for p in EndpointCreationPolicy)
            raise ValueError(f"must be one of {names}, got {value!r}") from None
    return instance_of(EndpointCreationPolicy)(value)


def optional(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """pyspark passes None through without converting; this keeps it so for ``set``."""
    return lambda value: None if value is None else convert(value)
