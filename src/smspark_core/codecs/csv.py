"""CSV: dense feature rows (written for requests, read for local images' requests and
training channels) and prediction lists in responses."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

import numpy as np

from smspark_core.codecs.javanum import java_double_str, parse_java_double
from smspark_core.foundation.errors import SmsparkError


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


class CSVParseError(SmsparkError, ValueError):
    """A CSV body or file that is not rows of numbers; the message says where."""


def numeric_csv_blocks(stream: BinaryIO, block_bytes: int = 8 << 20) -> Iterator[np.ndarray]:
    """Rows of numbers (float64; an empty field is NaN) from a headerless CSV stream, in
    blocks of about ``block_bytes``: Arrow's C++ reader, so a large training file streams
    with memory bounded by the block. Every row must have the first row's number of columns.
    The one CSV reader of features, for requests and training channels alike."""
    import pyarrow as pa  # here: writing CSV lines needs neither
    import pyarrow.csv as pacsv

    buffered: Any = stream if hasattr(stream, "peek") else io.BufferedReader(stream)  # type: ignore[type-var]
    first_line = buffered.peek(1 << 16).split(b"\n", 1)[0]
    if not first_line.strip():
        return
    width = first_line.count(b",") + 1
    names = [f"f{i}" for i in range(width)]
    try:
        reader = pacsv.open_csv(
            buffered,
            read_options=pacsv.ReadOptions(column_names=names, block_size=block_bytes),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.float64())),
        )
        for batch in reader:
            yield np.column_stack(
                [column.to_numpy(zero_copy_only=False) for column in batch.columns]
            )
    except (pa.ArrowInvalid, ValueError) as error:
        raise CSVParseError(f"not rows of {width} numbers: {error}") from None


def numeric_csv(body: bytes) -> np.ndarray:
    """``numeric_csv_blocks`` of a whole body, as one array (0 rows for an empty body)."""
    blocks = list(numeric_csv_blocks(io.BytesIO(body)))
    return np.concatenate(blocks) if blocks else np.zeros((0, 0))
