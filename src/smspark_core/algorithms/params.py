"""Hyperparameters as typed, validated Spark Params.

An algorithm estimator declares each SageMaker hyperparameter as a class attribute whose
Param name *is* the hyperparameter key (``k``, ``feature_dim``, ``mini_batch_size``), the
pattern of pyspark.ml's own Params. Each ``HyperParameter`` carries a type converter and a
check with the allowed range in words, applied by every way of setting it: the setters,
``set``, ``_set`` and ``fit(params=...)``. Values keep their Python type (bool, int, float,
str); the text SageMaker receives is made only when the CreateTrainingJob map is built.

Exception types are the original's: a string where a number is expected is a ``TypeError``
(its comparisons raised one); every other value outside the domain (a number for a choice,
0.5 for a 0/1 flag, ``"yes"`` for a boolean) is a ``ValueError`` naming the parameter and
what it accepts.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any

from pyspark.ml.param import Param, Params

from smspark_core.codecs.hyperparameter_text import parse_list_text


class HyperParameter(Param):
    """A Spark Param for one SageMaker hyperparameter, with its allowed values."""

    def __init__(
        self,
        name: str,
        doc: str,
        converter: Callable[[Any], Any],
        allowed: str,
        check: Callable[[Any], bool] = lambda _: True,
        choices: tuple[str, ...] = (),
        differs: str = "",
    ) -> None:
        super().__init__(Params._dummy(), name, f"{doc} Allowed: {allowed}.", converter)
        self.allowed = allowed
        self.check = check
        self.choices = choices  # the values of a choice Param, for tools and docs
        self.differs = differs  # how its setter differs from sagemaker_pyspark's, if it does

    def validate(self, value: Any) -> None:
        if not self.check(value):
            raise ValueError(f"{self.name} must be {self.allowed}, got {value!r}")


class ValidatedParams(Params):
    """Validates ``HyperParameter`` values however they are set, before they are stored."""

    def set(self, param: Param, value: Any) -> None:
        if isinstance(param, HyperParameter):
            param.validate(param.typeConverter(value))
        super().set(param, value)

    def _set(self, **kwargs: Any):
        for name, value in kwargs.items():
            param = getattr(self, name)
            if isinstance(param, HyperParameter):
                if value is None:
                    raise TypeError(f"{name}: a value is required, got None")
                try:
                    converted = param.typeConverter(value)
                except (TypeError, ValueError) as error:
                    raise type(error)(f"{name}: {error}") from None
                param.validate(converted)
        return super()._set(**kwargs)


# ------------------------------------------------------------------------------ converters


def _is_number(value: Any) -> bool:
    """Python and numpy numbers, but not booleans (``True`` is no hyperparameter value)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def strict_int(value: Any) -> int:
    """An integer; integral floats (``3.0``) are taken, as pyspark's converter takes them. A
    string or a fraction is a ``TypeError`` (what that converter raised in the original)."""
    if isinstance(value, str) or (_is_number(value) and not float(value).is_integer()):
        raise TypeError(f"expected an integer, got {type(value).__name__} {value!r}")
    if not _is_number(value):
        raise ValueError(f"expected an integer, got {type(value).__name__} {value!r}")
    return int(value)


def _strict_float(value: Any) -> float:
    if isinstance(value, str):
        raise TypeError(f"expected a number, got str {value!r}")
    if not _is_number(value):
        raise ValueError(f"expected a number, got {type(value).__name__} {value!r}")
    return float(value)


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {type(value).__name__} {value!r}")
    return value


def _number_text(value: Any) -> str:
    """ "auto"-or-number values are stored as text, as the original stores them."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number or a string, got bool {value!r}")
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return value.strip()
    raise ValueError(f"expected a number or a string, got {type(value).__name__} {value!r}")


def _number_of(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def to_bool(value: Any) -> bool:
    """Python booleans, or the original's strings ``'True'``/``'False'`` (any case)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError(f"expected True/False or 'True'/'False', got {value!r}")


# -------------------------------------------------------------------------------- factories


def _bounds(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '>='} {low:g}")
    if high is not None:
        parts.append(f"{'<' if high_open else '<='} {high:g}")
    return " and ".join(parts) or "any number"


def _within(
    number: float, low: float | None, high: float | None, low_open: bool, high_open: bool
) -> bool:
    if low is not None and (number <= low if low_open else number < low):
        return False
    return not (high is not None and (number >= high if high_open else number > high))


def int_param(
    name: str, doc: str, low: int | None = None, high: int | None = None
) -> HyperParameter:
    """An integer hyperparameter within [low, high]. A fraction outside the range, or any
    fraction for a 0/1 flag, is a ``ValueError``: the original checked those before
    converting."""
    allowed = f"an integer {_bounds(low, high, False, False)}"
    flag = (low, high) == (0, 1)

    def in_range(number: float) -> bool:
        return _within(number, low, high, False, False)

    def convert(value: Any) -> int:
        if _is_number(value) and not float(value).is_integer() and (flag or not in_range(value)):
            raise ValueError(f"must be {allowed}, got {value!r}")
        return strict_int(value)

    return HyperParameter(name, doc, convert, allowed, in_range)


def float_param(
    name: str,
    doc: str,
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> HyperParameter:
    """A finite number within the given bounds (open or closed)."""
    allowed = f"a number {_bounds(low, high, low_open, high_open)}"
    return HyperParameter(
        name,
        doc,
        _strict_float,
        allowed,
        lambda v: math.isfinite(v) and _within(v, low, high, low_open, high_open),
    )


def choice_param(name: str, doc: str, choices: Iterable[str]) -> HyperParameter:
    """One string of a fixed set."""
    options = tuple(choices)
    return HyperParameter(
        name, doc, _string, f"one of {', '.join(options)}", options.__contains__, options
    )


def bool_param(name: str, doc: str, not_text: type[Exception] = ValueError) -> HyperParameter:
    """A boolean, sent as "True"/"False". Setters take Python booleans or those strings (the
    original took only the strings); getters return a ``bool``. A value that is neither raises
    ``not_text`` if it is no string at all (the original's setters differ: most raised
    ``ValueError``, one left it to a string converter's ``TypeError``), else ``ValueError``."""

    def convert(value: Any) -> bool:
        if not isinstance(value, bool | str):
            raise not_text(f"expected True/False or 'True'/'False', got {value!r}")
        return to_bool(value)

    return HyperParameter(
        name,
        doc,
        convert,
        "True or False",
        differs="Takes True/False as well as 'True'/'False' (sagemaker_pyspark took only the "
        "strings); the getter returns a bool, as sagemaker_pyspark's did.",
    )


def auto_or_number_param(
    name: str,
    doc: str,
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
    integer: bool = False,
    words: Iterable[str] = ("auto",),
) -> HyperParameter:
    """``"auto"`` (or another keyword of ``words``) or a number in range, stored as text."""
    keywords = tuple(words)
    kind = "an integer" if integer else "a number"
    allowed = f"{' or '.join(repr(w) for w in keywords)} or {kind} " + _bounds(
        low, high, low_open, high_open
    )

    def check(text: str) -> bool:
        if text in keywords:
            return True
        number = _number_of(text)
        if number is None or (integer and not float(number).is_integer()):
            return False
        return _within(number, low, high, low_open, high_open)

    return HyperParameter(name, doc, _number_text, allowed, check)


def string_list_param(name: str, doc: str, choices: Iterable[str]) -> HyperParameter:
    """A list of keywords, stored in the original's ``"[a, b]"`` text form."""
    options = tuple(choices)

    def convert(value: Any) -> str:
        if isinstance(value, list | tuple):
            items = [_string(v).strip() for v in value]
        else:
            items = [t.strip() for t in _string(value).strip().strip("[]").split(",")]
        return "[" + ", ".join(t.strip('"').strip("'") for t in items) + "]"

    def check(text: str) -> bool:
        items = parse_list_text(text)
        return bool(items) and all(item in options for item in items)

    allowed = f"a non-empty list of {', '.join(options)}"
    return HyperParameter(name, doc, convert, allowed, check)


def add_accessors(
    cls: type,
    names: dict[str, str] | None = None,
    skip: Iterable[str] = (),
    differences: dict[str, str] | None = None,
) -> None:
    """Adds ``set<Name>``/``get<Name>`` for each ``HyperParameter`` declared on ``cls``
    itself: ``max_depth`` gets ``setMaxDepth``, or the name ``names`` gives (the original's
    spelling, e.g. ``num_class`` -> ``NumClasses``). A setter's docstring says where it
    differs from sagemaker_pyspark's: the Param's own note, and ``differences[name]``."""
    names = names or {}
    differences = differences or {}
    skipped = set(skip)
    for param in [p for p in vars(cls).values() if isinstance(p, HyperParameter)]:
        if param.name in skipped:
            continue
        suffix = names.get(param.name, "".join(w.capitalize() for w in param.name.split("_")))

        def setter(self, value, _name=param.name):
            return self._set(**{_name: value})

        def getter(self, _name=param.name):
            return self.getOrDefault(getattr(self, _name))

        notes = " ".join(n for n in (param.differs, differences.get(param.name, "")) if n)
        setter.__doc__ = f"Sets the ``{param.name}`` hyperparameter. {param.doc}" + (
            f"\n\nUnlike sagemaker_pyspark: {notes}" if notes else ""
        )
        getter.__doc__ = f"The ``{param.name}`` hyperparameter."
        setattr(cls, f"set{suffix}", setter)
        setattr(cls, f"get{suffix}", getter)
