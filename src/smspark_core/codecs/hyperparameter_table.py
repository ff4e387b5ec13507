"""What an algorithm's hyperparameters are, declared once per algorithm.

An algorithm plugin writes one ``HyperparameterTable``: each entry's name (the container's
key), what it does, its kind and allowed values, and the service's default. Both sides are
made from it, so they cannot disagree:

* the estimator's Spark Params (``smspark_core.algorithms.params.hyperparameter_param``),
  which check values when they are set, with the original's exception types;
* the local image's parser (``HyperparameterTable.parse``), which reads the strings of
  ``hyperparameters.json`` into typed values, the service's defaults filled in, with errors
  that name the hyperparameter, as the real containers' ``ClientError`` messages do.

No Spark, no numpy: a local image, or a third party's, loads it alone.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from smspark_core.codecs.hyperparameter_text import parse_list_text
from smspark_core.foundation.errors import SmsparkError


class HyperparameterError(SmsparkError, ValueError):
    """A hyperparameter a container cannot use; the message names it."""


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()
"""The default of a hyperparameter the training job must be given."""


def describe_bounds(
    low: float | None, high: float | None, low_open: bool = False, high_open: bool = False
) -> str:
    """``">= 0 and < 1"``: the bounds in words, as errors and docstrings give them."""
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '>='} {low:g}")
    if high is not None:
        parts.append(f"{'<' if high_open else '<='} {high:g}")
    return " and ".join(parts) or "any number"


def within(
    number: float,
    low: float | None,
    high: float | None,
    low_open: bool = False,
    high_open: bool = False,
) -> bool:
    """Whether ``number`` lies within the bounds (each open or closed)."""
    if low is not None and (number <= low if low_open else number < low):
        return False
    return not (high is not None and (number >= high if high_open else number > high))


@dataclasses.dataclass(frozen=True)
class Hyperparameter:
    """One hyperparameter: its key, what it does, and the service's default (``REQUIRED``
    when the job must give it; ``None`` when absent means "not used").

    ``service_auto``: the service also takes ``"auto"`` (its algorithm then decides; parsed as
    ``None``, as is a default of ``"auto"``), where the original's setter took only values of
    the entry's kind. The estimator keeps the setter's values, and ``allowed`` names them."""

    name: str
    doc: str
    default: Any = None
    service_auto: bool = dataclasses.field(default=False, kw_only=True)

    @property
    def allowed(self) -> str:
        """The allowed values in words."""
        raise NotImplementedError

    def parse_text(self, text: str) -> Any:
        """The typed value of ``text``; ``ValueError`` when it is not allowed."""
        raise NotImplementedError

    def parse(self, values: Mapping[str, str]) -> Any:
        """This hyperparameter's value in ``values`` (the job's strings), or its default."""
        text = values.get(self.name)
        if text is None:
            if self.default is REQUIRED:
                raise HyperparameterError(f"hyperparameter {self.name} is required")
            return None if self.service_auto and self.default == "auto" else self.default
        if self.service_auto and text.strip() == "auto":
            return None
        try:
            return self.parse_text(text.strip())
        except ValueError:
            raise HyperparameterError(
                f"hyperparameter {self.name} must be {self.allowed}, got {text!r}"
            ) from None


@dataclasses.dataclass(frozen=True)
class Bounded(Hyperparameter):
    """A number within bounds, written as the original's setter wrote them (``low=0,
    low_open=True`` where it checked ``value <= 0``), so that the estimator raises its
    exception types."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False

    @property
    def bounds(self) -> tuple[float | None, float | None, bool, bool]:
        return (self.low, self.high, self.low_open, self.high_open)

    def _number(self, text: str, integer: bool) -> float:
        number = float(text)
        if not math.isfinite(number) or not within(number, *self.bounds):
            raise ValueError(text)
        if integer and not number.is_integer():
            raise ValueError(text)
        return number


def describe_integers(
    bounds: tuple[float | None, float | None, bool, bool],
    choices: tuple[int, ...] = (),
    also: tuple[int, ...] = (),
) -> str:
    """``"-1 or an integer >= 1"``, ``"one of 1, 2, 4"``: the integers an ``Integer``
    allows, in words."""
    if len(choices) == 1:
        return str(choices[0])
    if choices:
        return f"one of {', '.join(map(str, choices))}"
    return " or ".join([*map(str, also), f"an integer {describe_bounds(*bounds)}"])


@dataclasses.dataclass(frozen=True)
class Integer(Bounded):
    """An integer; bounds (0, 1) make a 0/1 flag. ``choices``, when given, are the only
    values allowed (k-NN's ``faiss_index_pq_m``, a fixed value); ``also`` are allowed
    besides the bounds (PCA's ``extra_components``: -1, or an integer >= 1)."""

    choices: tuple[int, ...] = ()
    also: tuple[int, ...] = ()

    @property
    def is_flag(self) -> bool:
        return self.bounds == (0, 1, False, False) and not (self.choices or self.also)

    @property
    def allowed(self) -> str:
        return "0 or 1" if self.is_flag else describe_integers(self.bounds, self.choices, self.also)

    def parse_text(self, text: str) -> int:
        if float(text) in self.also:
            return int(float(text))
        number = int(self._number(text, integer=True))
        if self.choices and number not in self.choices:
            raise ValueError(text)
        return number


@dataclasses.dataclass(frozen=True)
class Number(Bounded):
    """A finite number. ``original`` is the closed range the original's setter checked
    where it was wider than the bounds (the estimator keeps its exception types)."""

    original: tuple[float, float] | None = None

    @property
    def allowed(self) -> str:
        return f"a number {describe_bounds(*self.bounds)}"

    def parse_text(self, text: str) -> float:
        return self._number(text, integer=False)


@dataclasses.dataclass(frozen=True)
class AutoOrNumber(Bounded):
    """A keyword (``"auto"``, or one of ``words``) or a number in range. Parsed, ``"auto"``
    is ``None`` (the container decides), another keyword stays text."""

    default: Any = "auto"
    integer: bool = False
    words: tuple[str, ...] = ("auto",)

    @property
    def allowed(self) -> str:
        kind = "an integer" if self.integer else "a number"
        keywords = " or ".join(repr(word) for word in self.words)
        return f"{keywords} or {kind} {describe_bounds(*self.bounds)}"

    def parse_text(self, text: str) -> float | int | str | None:
        if text in self.words:
            return None if text == "auto" else text
        number = self._number(text, integer=self.integer)
        return int(number) if self.integer else number

    def parse(self, values: Mapping[str, str]) -> Any:
        value = super().parse(values)
        return None if value == "auto" else value


@dataclasses.dataclass(frozen=True)
class Choice(Hyperparameter):
    """One string of a fixed set."""

    choices: tuple[str, ...] = ()

    @property
    def allowed(self) -> str:
        return f"one of {', '.join(self.choices)}"

    def parse_text(self, text: str) -> str:
        if text not in self.choices:
            raise ValueError(text)
        return text


@dataclasses.dataclass(frozen=True)
class Boolean(Hyperparameter):
    """True or False (containers take any case, and 1/0). ``not_text`` is the exception the
    original's setter raised for a value that is no string (``ValueError`` for most)."""

    not_text: type[Exception] = ValueError

    @property
    def allowed(self) -> str:
        return "True or False"

    def parse_text(self, text: str) -> bool:
        word = text.lower()
        if word not in ("true", "false", "1", "0"):
            raise ValueError(text)
        return word in ("true", "1")


@dataclasses.dataclass(frozen=True)
class Keywords(Hyperparameter):
    """A non-empty list of keywords of a fixed set (``"[msd, ssd]"``); parsed as a tuple.
    The estimator sends it as sagemaker_pyspark did (``"[msd, ssd]"``), or with ``as_json``
    as the SageMaker Python SDK does (``'["msd", "ssd"]'``) for an algorithm the original
    did not have. ``not_text`` is the exception its setter raises for a value (or list
    item) that is no string."""

    choices: tuple[str, ...] = ()
    as_json: bool = False
    not_text: type[Exception] = ValueError

    @property
    def allowed(self) -> str:
        return f"a non-empty list of {', '.join(self.choices)}"

    def parse_text(self, text: str) -> tuple[str, ...]:
        items = tuple(parse_list_text(text))
        if not items or any(item not in self.choices for item in items):
            raise ValueError(text)
        return items


@dataclasses.dataclass(frozen=True)
class Text(Hyperparameter):
    """Text of a form the library that reads it defines (XGBoost's ``updater``,
    ``monotone_constraints``): ``pattern``, a regular expression, matches all of it or, with
    a ``separator``, each of its parts (``"rmse, mae"``); ``form`` says it in words. Parsed,
    it stays the text."""

    pattern: str = ""
    form: str = ""
    separator: str | None = None

    @property
    def allowed(self) -> str:
        return self.form

    def matches(self, text: str) -> bool:
        """Whether ``text`` has the form."""
        parts = text.split(self.separator) if self.separator else [text]
        return all(re.fullmatch(self.pattern, part.strip()) for part in parts)

    def parse_text(self, text: str) -> str:
        if not self.matches(text):
            raise ValueError(text)
        return text


class HyperparameterTable:
    """An algorithm's hyperparameters by name, in declaration order."""

    def __init__(self, entries: Iterable[Hyperparameter]) -> None:
        self._entries: dict[str, Hyperparameter] = {}
        for entry in entries:
            if entry.name in self._entries:
                raise ValueError(f"hyperparameter {entry.name} is declared twice")
            self._entries[entry.name] = entry

    def __getitem__(self, name: str) -> Hyperparameter:
        return self._entries[name]

    def __iter__(self) -> Iterator[Hyperparameter]:
        return iter(self._entries.values())

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def parse(self, values: Mapping[str, str]) -> dict[str, Any]:
        """Every declared hyperparameter's typed value from the job's strings, with the
        service's defaults; keys not declared are ignored, as the real containers ignore
        e.g. ``force_dense``."""
        return {entry.name: entry.parse(values) for entry in self}


# Shared by SageMaker's first-party algorithms (k-means, PCA, Linear Learner, ...); a table
# takes them as they are or with its algorithm's default (``dataclasses.replace``).
FEATURE_DIM = Integer(
    "feature_dim", "The number of features in the input data.", REQUIRED, low=0, low_open=True
)
MINI_BATCH_SIZE = Integer(
    "mini_batch_size",
    "The number of rows in a mini-batch of training.",
    REQUIRED,
    low=0,
    low_open=True,
)
