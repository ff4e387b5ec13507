"""Reading a training job's hyperparameters (all strings) inside a local image, with
errors that name the hyperparameter, as the real containers' ``ClientError`` messages do."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from smspark_core.codecs.hyperparameter_text import parse_list_text
from smspark_core.foundation.errors import SmsparkError

__all__ = ["HyperparameterError", "Hyperparameters", "parse_list_text"]


class HyperparameterError(SmsparkError, ValueError):
    """A hyperparameter the container cannot use; the message names it."""


class Hyperparameters:
    """Typed access to ``hyperparameters.json``; a missing key without a default is an
    error, unknown keys are ignored (as the real containers ignore e.g. ``force_dense``)."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = dict(values)

    def _float(self, name: str, default: object, kind: str) -> float | None:
        """The value as a float; None when absent with a default; an error naming ``name``
        when absent without one or not a number."""
        text = self.values.get(name)
        if text is None:
            if default is None:
                raise HyperparameterError(f"hyperparameter {name} is required")
            return None
        try:
            return float(text)
        except ValueError:
            raise HyperparameterError(
                f"hyperparameter {name} must be {kind}, got {text!r}"
            ) from None

    def integer(self, name: str, default: int | None = None, low: int | None = 1) -> int:
        number = self._float(name, default, "an integer")
        if number is None:
            return default  # type: ignore[return-value]
        if not number.is_integer() or (low is not None and number < low):
            bound = f" >= {low}" if low is not None else ""
            raise HyperparameterError(
                f"hyperparameter {name} must be an integer{bound}: {self.values[name]!r}"
            )
        return int(number)

    def number(
        self,
        name: str,
        default: float | None = None,
        low: float | None = None,
        high: float | None = None,
    ) -> float:
        number = self._float(name, default, "a number")
        if number is None:
            return default  # type: ignore[return-value]
        outside = (low is not None and number < low) or (high is not None and number > high)
        if not math.isfinite(number) or outside:
            raise HyperparameterError(
                f"hyperparameter {name} must be a number in [{low}, {high}]: {self.values[name]!r}"
            )
        return number

    def auto_integer(self, name: str, low: int = 1) -> int | None:
        """An integer or ``auto`` (None)."""
        if self.values.get(name, "auto") == "auto":
            return None
        return self.integer(name, low=low)

    def auto_number(self, name: str, low: float | None = None) -> float | None:
        """A number or ``auto`` (None)."""
        if self.values.get(name, "auto") == "auto":
            return None
        return self.number(name, low=low)

    def choice(self, name: str, default: str, options: Sequence[str]) -> str:
        text = self.values.get(name, default)
        if text not in options:
            raise HyperparameterError(
                f"hyperparameter {name} must be one of {', '.join(options)}: {text!r}"
            )
        return text

    def boolean(self, name: str, default: bool) -> bool:
        text = self.values.get(name)
        if text is None:
            return default
        if text.strip().lower() in ("true", "1"):
            return True
        if text.strip().lower() in ("false", "0"):
            return False
        raise HyperparameterError(f"hyperparameter {name} must be true or false: {text!r}")
