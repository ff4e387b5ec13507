"""CSV bodies: dense feature rows for requests, and prediction lists in responses."""

from __future__ import annotations

from collections.abc import Iterable

from smspark_core.codecs.javanum import java_double_str, parse_java_double


def csv_line(values: Iterable[float]) -> str:
    """One CSV line of numbers as Java writes them (``1.0,0.0,1.0E-4\\n``)."""
    return ",".join(java_double_str(float(v)) for v in values) + "\n"


def parse_predictions(text: str) -> list[float]:
    """Predictions separated by commas or by newlines (the current XGBoost image answers one
    per line); an empty body is zero predictions. A trailing separator is allowed, an empty
    field in the middle is not.
    """
    tokens = text.strip().replace("\r\n", "\n").replace("\n", ",").split(",")
    while tokens and tokens[-1].strip() == "":
        tokens.pop()
    predictions = []
    for position, token in enumerate(tokens):
        try:
            predictions.append(parse_java_double(token))
        except ValueError:
            raise ValueError(
                f"prediction {position} of the CSV body is not a number: {token!r}"
            ) from None
    return predictions
