"""The original's ``sagemaker_pyspark.wrapper``: its JVM bridge, which smspark has no use for.

The original's Python classes were thin wrappers around Scala objects, and these four names
were that bridge: ``SageMakerJavaWrapper`` (the base of every wrapper), ``Option``
(``scala.Some``/``None``), ``ScalaMap`` and ``ScalaList``. smspark runs in Python with no JVM
object behind a stage, so there is nothing for them to wrap. The names exist, so that a
program importing them still imports; using one raises ``NoJvmBridgeError`` saying what to do
instead, rather than an ``AttributeError`` or a half-working stand-in.
"""

from __future__ import annotations

from typing import Any, NoReturn

from smspark_core.foundation.errors import SmsparkError


class NoJvmBridgeError(SmsparkError, NotImplementedError):
    """A piece of the original's JVM bridge was used: smspark has none."""


def _refuse(what: str) -> NoReturn:
    raise NoJvmBridgeError(
        f"sagemaker_pyspark.wrapper.{what} is part of the original's bridge to its Scala "
        "library, and smspark (smspark-compat) has no JVM bridge: its stages are Python "
        "objects with no Java object behind them. Pass plain Python values instead (None "
        "rather than an Option, a dict or list rather than a ScalaMap or ScalaList)."
    )


class SageMakerJavaWrapper:
    """The original's base of its JVM wrappers (see the module docstring): constructing one,
    or calling its bridge methods, raises ``NoJvmBridgeError``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _refuse(type(self).__name__)

    def _new_java_obj(self, java_class: str, *args: Any) -> NoReturn:
        _refuse(f"{type(self).__name__}._new_java_obj")

    def _call_java(self, name: str, *args: Any) -> NoReturn:
        _refuse(f"{type(self).__name__}._call_java")

    def _to_java(self) -> NoReturn:
        _refuse(f"{type(self).__name__}._to_java")

    @classmethod
    def _from_java(cls, java_object: Any) -> NoReturn:
        _refuse(f"{cls.__name__}._from_java")


class Option(SageMakerJavaWrapper):
    """``scala.Option`` in the original; here ``NoJvmBridgeError`` (use ``None`` or the value)."""

    def __init__(self, value: Any) -> None:
        _refuse("Option")

    @classmethod
    def empty(cls) -> NoReturn:
        _refuse("Option.empty")


class ScalaMap(SageMakerJavaWrapper):
    """A Scala ``HashMap`` in the original; here ``NoJvmBridgeError`` (use a dict)."""

    def __init__(self, dictionary: dict[Any, Any]) -> None:
        _refuse("ScalaMap")


class ScalaList(SageMakerJavaWrapper):
    """A Scala ``List`` in the original; here ``NoJvmBridgeError`` (use a list)."""

    def __init__(self, p_list: list[Any]) -> None:
        _refuse("ScalaList")


__all__ = ["NoJvmBridgeError", "Option", "SageMakerJavaWrapper", "ScalaList", "ScalaMap"]
