"""Reading a training job's hyperparameters (all strings) inside a local image, with
errors that name the hyperparameter, as the real containers' ``ClientError`` messages do."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


class HyperparameterError(ValueError):
    """A hyperparameter the container cannot use; the message names it."""


class Hyperparameters:
    """Typed access to ``hyperparameters.json``; a missing key without a default is an
    error, unknown keys are ignored (as the real containers ignore e.g. ``force_dense``)."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = dict(values)

    def _text(self, name: str, default: object) -> str | None:
        text = self.values.get(name)
        if text is None and default is None:
            raise HyperparameterError(f"hyperparameter {name} is required")
        return text

    def integer(self, name: str, default: int | None = None, low: int | None = 1) -> int:
        text = self._text(name, default)
        if text is None:
            return default  # type: ignore[return-value]
        try:
            number = float(text)
        except ValueError:
            raise HyperparameterError(
                f"hyperparameter {name} must be an integer, got {text!r}"
            ) from None
        if not number.is_integer() or (low is not None and number < low):
            bound = f" >= {low}" if low is not None else ""
            raise HyperparameterError(f"hyperparameter {name} must be an integer{bound}: {text!r}")
        return int(number)

    def number(
        self,
        name: str,
        default: float | None = None,
        low: float | None = None,
        high: float | None = None,
    ) -> float:
        text = self._text(name, default)
        if text is None:
            return default  # type: ignore[return-value]
        try:
            number = float(text)
        except ValueError:
            raise HyperparameterError(
                f"hyperparameter {name} must be a number, got {text!r}"
            ) from None
        if (
            not math.isfinite(number)
            or (low is not None and number < low)
            or (high is not None and number > high)
        ):
            raise HyperparameterError(
                f"hyperparameter {name} must be a number in [{low}, {high}]: {text!r}"
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
