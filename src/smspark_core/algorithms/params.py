"""Hyperparameters as typed, validated Spark Params.

An algorithm estimator declares each SageMaker hyperparameter as a class attribute whose
Param name *is* the hyperparameter key (``k``, ``feature_dim``, ``mini_batch_size``), the
pattern of pyspark.ml's own Params, made with ``hyperparameter_param`` from the algorithm's
``HyperparameterTable`` (``smspark_core.codecs.hyperparameter_table``), which its local image
parses the job's strings with too. Each ``HyperParameter`` carries a type converter and a
check with the allowed range in words, applied by every way of setting it: the setters,
``set``, ``_set`` and ``fit(params=...)``. Values keep their Python type (bool, int, float,
str); the text SageMaker receives is made only when the CreateTrainingJob map is built.

Exception types are the original's, whose setters compared the value with the allowed range
and then handed it to a pyspark type converter: a value that cannot be compared with a number
(a string, a list, ``None``) or that the converter refuses (a boolean for a number, 0.5 for an
integer inside the range) is a ``TypeError``; a number outside the range, and any value that is
not one of a fixed set (a choice, a 0/1 flag, ``'True'``/``'False'``), ``None`` included, is a
``ValueError``. Messages name the parameter and what it accepts.
"""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any

from pyspark.ml.param import Param, Params

from smspark_core.codecs import hyperparameter_table as table
from smspark_core.codecs.hyperparameter_table import (
    describe_bounds,
    describe_integers,
    within,
)
from smspark_core.codecs.hyperparameter_text import parse_list_text
from smspark_core.foundation.errors import SmsparkError


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
        value_type: str = "Any",
    ) -> None:
        super().__init__(Params._dummy(), name, f"{doc} Allowed: {allowed}.", converter)
        self.allowed = allowed
        self.check = check
        self.choices = choices  # the values of a choice Param, for tools and docs
        self.differs = differs  # how its setter differs from sagemaker_pyspark's, if it does
        self.value_type = value_type  # what its getter returns, for the generated accessors
        self.entry: Any = None  # the algorithm's table entry it was made from, if any

    def validate(self, value: Any) -> None:
        if not self.check(value):
            raise ValueError(f"{self.name} must be {self.allowed}, got {value!r}")

    def accept(self, value: Any) -> Any:
        """``value`` converted and checked, or the converter's error with this parameter's
        name, of the type the original raised (see the module docstring)."""
        try:
            converted = self.typeConverter(value)
        except (TypeError, ValueError) as error:
            raise type(error)(f"{self.name} {error}") from None
        self.validate(converted)
        return converted


class UnsetHyperParameterError(SmsparkError, KeyError):
    """A getter was called for a hyperparameter that is not set and has no default. A
    ``KeyError``, as pyspark's ``getOrDefault`` raises, with a message that says what to do."""

    def __str__(self) -> str:  # KeyError's own would show the message in quotes
        return str(self.args[0])


def get_hyperparameter(stage: Params, param: Param, setter: str) -> Any:
    """``stage``'s value of ``param``, or an ``UnsetHyperParameterError`` naming ``setter``."""
    if not stage.isDefined(param):
        raise UnsetHyperParameterError(
            f"{param.name} is not set and has no default in smspark: call {setter}(value) first"
        )
    return stage.getOrDefault(param)


class ValidatedParams(Params):
    """Validates ``HyperParameter`` values however they are set, before they are stored."""

    def _hyperparameter(self, param: Param, setter: str) -> Any:
        """What a generated getter returns (see ``get_hyperparameter``)."""
        return get_hyperparameter(self, param, setter)

    def set(self, param: Param, value: Any) -> None:
        if isinstance(param, HyperParameter):
            param.accept(value)
        super().set(param, value)

    def _set(self, **kwargs: Any):
        for name, value in kwargs.items():
            param = getattr(self, name)
            if isinstance(param, HyperParameter):
                param.accept(value)
        return super()._set(**kwargs)

    @property
    def params(self) -> list[Param]:
        """Each Param once, though a ``ParamAlias`` gives one a second attribute name."""
        if self._params is None:
            self._params = list(dict.fromkeys(Params.params.fget(self)))  # type: ignore[attr-defined]
        return self._params


class ParamAlias:
    """A second attribute name for a Param, as the original spelled it (XGBoost's
    ``lambda_weights`` for ``lambda``): the class's Param on the class, the instance's own
    Param on an instance, so that the alias follows the Param through ``uid=``, ``copy`` and
    loading; assigning to it assigns the Param it names."""

    def __init__(self, target: str) -> None:
        self.target = target

    def __get__(self, instance: Any, owner: type) -> Param:
        return getattr(owner if instance is None else instance, self.target)

    def __set__(self, instance: Any, value: Param) -> None:
        setattr(instance, self.target, value)


# ------------------------------------------------------------------------------ converters


def _is_number(value: Any) -> bool:
    """Python and numpy numbers, but not booleans (``True`` is no hyperparameter value)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def compared_number(value: Any, kind: str) -> float:
    """``value`` as the number the original's range check compared (a boolean as 0 or 1); a
    value that cannot be compared with a number is a ``TypeError``, as the comparison was."""
    if not isinstance(value, numbers.Real):
        raise TypeError(f"must be {kind}, got {type(value).__name__} {value!r}")
    return float(value)


def strict_int(value: Any) -> int:
    """An integer; integral floats (``3.0``) are taken, as pyspark's converter takes them.
    Anything else (a string, a boolean, a fraction) is a ``TypeError``, as it was there."""
    if not _is_number(value) or not float(value).is_integer():
        raise TypeError(f"must be an integer, got {type(value).__name__} {value!r}")
    return int(value)


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be a string, got {type(value).__name__} {value!r}")
    return value


def _number_text(value: Any) -> str:
    """ "auto"-or-number values are stored as text, as the original stores them. A value
    that is neither a number nor text is a ``TypeError`` (the original's ``int()``/``float()``
    raised one); a boolean is a ``ValueError`` (the original sent ``"True"`` to SageMaker)."""
    if isinstance(value, bool):
        raise ValueError(f"must be a number or a string, got bool {value!r}")
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return value.strip()
    raise TypeError(f"must be a number or a string, got {type(value).__name__} {value!r}")


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
    raise ValueError(f"must be True/False or 'True'/'False', got {value!r}")


# -------------------------------------------------------------------------------- factories


def _bounded(
    kind: str,
    convert: Callable[[Any], Any],
    bounds: tuple[float | None, float | None, bool, bool],
    checked: tuple[float | None, float | None, bool, bool],
    also: tuple[float, ...] = (),
) -> tuple[str, Callable[[Any], Any], Callable[[Any], bool]]:
    """The allowed-values text, converter and check of a number within ``bounds`` (low,
    high, low_open, high_open), or one of ``also``. The converter compares the value with
    ``checked`` (the original's own bounds) before converting, as the original's setters did,
    so that each bad value raises the original's exception type (see the module docstring);
    the check then holds it to ``bounds``."""
    allowed = " or ".join([*(f"{v:g}" for v in also), f"{kind} {describe_bounds(*bounds)}"])

    def checked_then_converted(value: Any) -> Any:
        number = compared_number(value, kind)
        if number not in also and not within(number, *checked):
            raise ValueError(f"must be {allowed}, got {value!r}")
        return convert(value)

    def check(value: float) -> bool:
        return value in also or (math.isfinite(value) and within(value, *bounds))

    return allowed, checked_then_converted, check


def _int_param(
    name: str,
    doc: str,
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
    choices: Iterable[int] = (),
    also: Iterable[int] = (),
) -> HyperParameter:
    """An integer hyperparameter within the bounds, given as the original's setter wrote them
    (``> 0`` where it checked ``value <= 0``, ``>= 1`` where it checked ``value < 1``): a
    fraction inside them is a ``TypeError`` (its converter's), outside a ``ValueError``. A 0/1
    flag is a ``ValueError`` for anything but 0 and 1 (the original tested ``value not in (0,
    1)``), and a ``TypeError`` for ``True``/``False``. ``also`` are values allowed besides the
    bounds (compared as the bounds are); ``choices``, the only values allowed: any other
    integer is a ``ValueError``, anything that is no integer a ``TypeError``."""
    bounds = (low, high, low_open, high_open)
    options, extra = tuple(choices), tuple(also)
    if bounds == (0, 1, False, False) and not (options or extra):
        return HyperParameter(name, doc, _flag, "0 or 1", (0, 1).__contains__, value_type="int")
    allowed, convert, check = _bounded("an integer", strict_int, bounds, bounds, extra)
    if options:
        allowed = describe_integers(bounds, options)
        return HyperParameter(
            name, doc, convert, allowed, lambda v: check(v) and v in options, value_type="int"
        )
    return HyperParameter(name, doc, convert, allowed, check, value_type="int")


def _flag(value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError(f"must be 0 or 1, got bool {value!r}")
    if not (_is_number(value) and value in (0, 1)):
        raise ValueError(f"must be 0 or 1, got {value!r}")
    return int(value)


def _float(value: Any) -> float:
    if not _is_number(value):
        raise TypeError(f"must be a number, got {type(value).__name__} {value!r}")
    return float(value)


def _float_param(
    name: str,
    doc: str,
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
    original: tuple[float, float] | None = None,
) -> HyperParameter:
    """A finite number within the given bounds (open or closed); NaN and infinities are
    refused (the original stored NaN, and the training job then failed). ``original`` gives
    the closed range the original's setter checked where it was wider than the bounds, so that
    a value between the two is a ``ValueError`` but ``True`` still the original's
    ``TypeError``."""
    bounds = (low, high, low_open, high_open)
    checked = bounds if original is None else (*original, False, False)
    allowed, convert, check = _bounded("a number", _float, bounds, checked)
    return HyperParameter(name, doc, convert, allowed, check, value_type="float")


def _choice_param(name: str, doc: str, choices: Iterable[str]) -> HyperParameter:
    """One string of a fixed set."""
    options = tuple(choices)
    return HyperParameter(
        name,
        doc,
        _string,
        f"one of {', '.join(options)}",
        options.__contains__,
        options,
        value_type="str",
    )


def _bool_param(name: str, doc: str, not_text: type[Exception] = ValueError) -> HyperParameter:
    """A boolean, sent as "True"/"False". Setters take Python booleans or those strings (the
    original took only the strings); getters return a ``bool``. A value that is neither raises
    ``not_text`` if it is no string at all (the original's setters differ: most tested
    ``value not in ('True', 'False')``, so ``None`` too was a ``ValueError``; one left it to a
    string converter's ``TypeError``), else ``ValueError``."""

    def convert(value: Any) -> bool:
        if not isinstance(value, bool | str):
            raise not_text(f"must be True/False or 'True'/'False', got {value!r}")
        return to_bool(value)

    return HyperParameter(
        name,
        doc,
        convert,
        "True or False",
        differs="Takes True/False as well as 'True'/'False' (sagemaker_pyspark took only the "
        "strings); the getter returns a bool, as sagemaker_pyspark's did.",
        value_type="bool",
    )


def _auto_or_number_param(
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
    """``"auto"`` (or another keyword of ``words``) or a number in range, stored as text.
    Booleans, and for an ``integer`` one fractions, are refused, where the original passed
    them on to SageMaker (whose algorithm then failed the training job); the setter's docstring
    says so."""
    keywords = tuple(words)
    kind = "an integer" if integer else "a number"
    allowed = f"{' or '.join(repr(w) for w in keywords)} or {kind} " + describe_bounds(
        low, high, low_open, high_open
    )

    def check(text: str) -> bool:
        if text in keywords:
            return True
        number = _number_of(text)
        if number is None or (integer and not float(number).is_integer()):
            return False
        return within(number, low, high, low_open, high_open)

    differs = "True/False are refused (sagemaker_pyspark sent 'True' to the algorithm)." + (
        " A fraction (1.5) is refused before any AWS call: sagemaker_pyspark passed it on, "
        "and the algorithm, which takes an integer, failed the training job."
        if integer
        else ""
    )
    return HyperParameter(
        name, doc, _number_text, allowed, check, differs=differs, value_type="str"
    )


def _string_list_param(
    name: str,
    doc: str,
    choices: Iterable[str],
    *,
    as_json: bool = False,
    not_text: type[Exception] = ValueError,
) -> HyperParameter:
    """A comma-separated list of keywords, stored as the original stored it: the text given,
    in brackets (``"msd,ssd"`` as ``"[msd,ssd]"``, which is what SageMaker receives); a list
    of keywords is taken too, as ``"[a, b]"``. With ``as_json``, either is stored as a JSON
    list (``'["msd", "ssd"]'``), as the SageMaker Python SDK sends lists. A value or list
    item that is no string raises ``not_text``."""
    options = tuple(choices)

    def text_of(value: Any) -> str:
        if not isinstance(value, str):
            raise not_text(f"must be a string, got {type(value).__name__} {value!r}")
        return value.strip()

    def convert(value: Any) -> str:
        if isinstance(value, list | tuple):
            items = [text_of(v) for v in value]
            return json.dumps(items) if as_json else "[" + ", ".join(items) + "]"
        text = text_of(value)
        if as_json:
            return json.dumps(parse_list_text(text))
        if text.startswith("[") and text.endswith("]"):
            text = text[1:-1]
        return f"[{text}]"

    def check(text: str) -> bool:
        items = parse_list_text(text)
        return bool(items) and all(item in options for item in items)

    allowed = f"a non-empty list of {', '.join(options)}"
    return HyperParameter(name, doc, convert, allowed, check, value_type="str")


def _text_param(name: str, doc: str, allowed: str, check: Callable[[str], bool]) -> HyperParameter:
    """Text of a form ``check`` tests (``allowed`` says it in words), stored stripped; a value
    that is no string is a ``ValueError``."""
    return HyperParameter(
        name, doc, lambda value: _string(value).strip(), allowed, check, value_type="str"
    )


def hyperparameter_param(entry: table.Hyperparameter) -> HyperParameter:
    """The Spark Param of an entry of an algorithm's ``HyperparameterTable``: the estimator
    and the local image read the same declaration, so their ranges and choices agree. The
    Param keeps the entry (``param.entry``)."""
    param = _param_of(entry)
    param.entry = entry
    return param


def _param_of(entry: table.Hyperparameter) -> HyperParameter:
    if isinstance(entry, table.Integer):
        return _int_param(
            entry.name,
            entry.doc,
            *entry.bounds[:2],
            **_openness(entry),
            choices=entry.choices,
            also=entry.also,
        )
    if isinstance(entry, table.Number):
        return _float_param(
            entry.name, entry.doc, *entry.bounds[:2], **_openness(entry), original=entry.original
        )
    if isinstance(entry, table.AutoOrNumber):
        return _auto_or_number_param(
            entry.name,
            entry.doc,
            *entry.bounds[:2],
            **_openness(entry),
            integer=entry.integer,
            words=entry.words,
        )
    if isinstance(entry, table.Choice):
        return _choice_param(entry.name, entry.doc, entry.choices)
    if isinstance(entry, table.Boolean):
        return _bool_param(entry.name, entry.doc, entry.not_text)
    if isinstance(entry, table.Keywords):
        return _string_list_param(
            entry.name, entry.doc, entry.choices, as_json=entry.as_json, not_text=entry.not_text
        )
    if isinstance(entry, table.Text):
        return _text_param(entry.name, entry.doc, entry.allowed, entry.matches)
    raise TypeError(f"no Spark Param for a {type(entry).__name__} hyperparameter")


def _openness(entry: table.Bounded) -> dict[str, bool]:
    return {"low_open": entry.low_open, "high_open": entry.high_open}
