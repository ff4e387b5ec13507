"""The LibSVM text format: ``label index:value ...`` with 1-based indices, one row a line."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from smspark_core.codecs.javanum import java_double_str, parse_java_double
from smspark_core.foundation.errors import SmsparkError


def libsvm_line(label: float, indices: Iterable[int], values: Iterable[float]) -> str:
    """One LibSVM line, numbers as Java writes them (``1.0 1:0.5 3:1.0E-4\\n``)."""
    entries = "".join(f" {int(i) + 1}:{java_double_str(float(v))}" for i, v in zip(indices, values))
    return f"{java_double_str(float(label))}{entries}\n"


class LibSVMParseError(SmsparkError, ValueError):
    """A LibSVM body that cannot be read; the message names the line."""


def parse_libsvm(text: str, dim: int) -> list[tuple[float, np.ndarray, np.ndarray]]:
    """Parses LibSVM lines into (label, 0-based indices, values) for vectors of size ``dim``.

    Follows the original reader: lines split on ``\\n`` (trailing empty lines dropped),
    tokens on single spaces (empty tokens after the label skipped), a leading space or a
    blank line in the middle is an error, indices must be strictly increasing and in range.
    """
    if dim < 0:
        raise ValueError("Vector dimension must not be negative")
    lines = text.split("\n")
    while lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise LibSVMParseError("empty LibSVM body: expected at least one line")
    rows = []
    for number, line in enumerate(lines, start=1):
        label_token, *entries = line.split(" ")
        try:
            label = parse_java_double(label_token)
        except ValueError:
            raise LibSVMParseError(
                f"line {number}: label {label_token!r} is not a number"
            ) from None
        indices: list[int] = []
        values: list[float] = []
        for token in entries:
            if not token:
                continue
            index_text, sep, value_text = token.partition(":")
            if not sep:
                raise LibSVMParseError(f"line {number}: entry {token!r} has no ':value'")
            try:
                index = int(index_text) - 1
                value = parse_java_double(value_text.split(":")[0])
            except ValueError:
                raise LibSVMParseError(
                    f"line {number}: entry {token!r} is not index:value"
                ) from None
            if index < 0:
                raise LibSVMParseError(f"line {number}: index {index + 1} is below 1")
            if index >= dim:
                raise LibSVMParseError(
                    f"line {number}: index {index + 1} is beyond the vector size {dim}"
                )
            if indices and index <= indices[-1]:
                raise LibSVMParseError(
                    f"line {number}: index {index + 1} follows {indices[-1] + 1} "
                    "and is not strictly increasing"
                )
            indices.append(index)
            values.append(value)
        rows.append((label, np.asarray(indices, dtype=np.int32), np.asarray(values, np.float64)))
    return rows
