"""The LibSVM text format: ``label index:value ...`` with 1-based indices, one row a line."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from smspark_core.codecs.javanum import java_double_str, parse_java_double
from smspark_core.foundation.errors import SmsparkError


def libsvm_line(label: float, indices: Iterable[int], values: Iterable[float]) -> str:
    """One LibSVM line, numbers as Java writes them (``1.0 1:0.5 3:1.0E-4\\n``)."""
    entries = "".join(f" {int(i) + 1}:{java_double_str(float(v))}" for i, v in zip(indices, values))
    return f"{java_double_str(float(label))}{entries}\n"


class LibSVMParseError(SmsparkError, ValueError):
    """A LibSVM body that cannot be read; the message names the line."""


@dataclass(frozen=True)
class LibSVMRows:
    """Parsed LibSVM lines in compressed-row form: row ``i``'s entries are
    ``indices[indptr[i]:indptr[i + 1]]`` (0-based) and the matching ``values``."""

    labels: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    values: np.ndarray

    @property
    def width(self) -> int:
        """The smallest vector size that holds every index."""
        return int(self.indices.max()) + 1 if len(self.indices) else 0


def parse_libsvm_rows(
    text: str,
    *,
    one_based: bool,
    dim: int | None = None,
    strict: bool = False,
    first_line: int = 1,
) -> LibSVMRows:
    """LibSVM lines (``label index:value ...``) as ``LibSVMRows``: the one LibSVM reader of
    smspark, for responses, local images' requests and training channels.

    ``strict`` follows the original's response reader: lines split on ``\n`` (trailing empty
    lines dropped, none at all an error), tokens on single spaces (empty tokens after the
    label skipped), so a leading space or a blank line in the middle is an error; numbers as
    Java reads them; indices strictly increasing. Otherwise (XGBoost's reading): blank lines
    skipped, tokens split on any whitespace, indices in any order. Indices are counted from
    1 or from 0 as given, and must be below ``dim`` when it is given. Errors name the line
    (numbered from ``first_line``)."""
    if dim is not None and dim < 0:
        raise ValueError("Vector dimension must not be negative")
    if strict:
        lines = text.split("\n")
        while lines and lines[-1] == "":
            lines.pop()
        if not lines:
            raise LibSVMParseError("empty LibSVM body: expected at least one line")
        number_of: Callable[[str], float] = parse_java_double
    else:
        lines = [line for line in text.splitlines() if line.strip()]
        number_of = float
    base = 1 if one_based else 0
    labels = np.empty(len(lines))
    indptr = np.zeros(len(lines) + 1, np.int64)
    indices: list[int] = []
    values: list[float] = []
    for row, line in enumerate(lines):
        number = first_line + row
        label_token, *entries = line.split(" ") if strict else line.split()
        try:
            labels[row] = number_of(label_token)
        except ValueError:
            raise LibSVMParseError(
                f"line {number}: label {label_token!r} is not a number"
            ) from None
        start = len(indices)
        for token in entries:
            if not token:
                continue
            index_text, sep, value_text = token.partition(":")
            if not sep:
                raise LibSVMParseError(f"line {number}: entry {token!r} has no ':value'")
            try:
                index = int(index_text) - base
                value = number_of(value_text.split(":")[0])
            except ValueError:
                raise LibSVMParseError(
                    f"line {number}: entry {token!r} is not index:value"
                ) from None
            if index < 0:
                raise LibSVMParseError(f"line {number}: index {index + base} is below {base}")
            if dim is not None and index >= dim:
                raise LibSVMParseError(
                    f"line {number}: index {index + base} is beyond the vector size {dim}"
                )
            if strict and len(indices) > start and index <= indices[-1]:
                raise LibSVMParseError(
                    f"line {number}: index {index + base} follows {indices[-1] + base} "
                    "and is not strictly increasing"
                )
            indices.append(index)
            values.append(value)
        indptr[row + 1] = len(indices)
    return LibSVMRows(labels, indptr, np.asarray(indices, np.int64), np.asarray(values, np.float64))


def parse_libsvm(text: str, dim: int) -> list[tuple[float, np.ndarray, np.ndarray]]:
    """The original's response reader (``parse_libsvm_rows`` with ``strict``, indices from 1)
    as (label, 0-based indices, values) per line, for vectors of size ``dim``."""
    rows = parse_libsvm_rows(text, one_based=True, dim=dim, strict=True)
    return [
        (
            float(rows.labels[i]),
            rows.indices[rows.indptr[i] : rows.indptr[i + 1]].astype(np.int32),
            rows.values[rows.indptr[i] : rows.indptr[i + 1]],
        )
        for i in range(len(rows.labels))
    ]
