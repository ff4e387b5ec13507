"""Exceptions shared across smspark. Each message names the column, row, parameter or
resource at fault and what was expected."""

from __future__ import annotations

import sys


class SmsparkError(Exception):
    """Base class of smspark's own errors."""


class SchemaError(SmsparkError, ValueError):
    """A DataFrame schema that a codec or stage cannot work with."""


class RowError(SmsparkError, ValueError):
    """A value in one row that cannot be encoded; names the column and the row."""

    def __init__(self, message: str, *, column: str, row: int | None, where: str = "") -> None:
        location = f"row {row}" if row is not None else "a row"
        if where:
            location += f" of {where}"
        super().__init__(f"column {column!r}, {location}: {message}")
        self.column = column
        self.row = row


class ResponseError(SmsparkError, ValueError):
    """An endpoint response that cannot be decoded into prediction rows."""


class PluginError(SmsparkError):
    """A plugin that could not be loaded or registered something twice."""


def add_note(error: BaseException, note: str) -> None:
    """``error.add_note(note)``: Python 3.11's exception notes, kept in ``__notes__`` on 3.10
    too (where the traceback does not print them), so callers can read them either way."""
    if sys.version_info >= (3, 11):
        error.add_note(note)
    else:
        setattr(error, "__notes__", [*getattr(error, "__notes__", []), note])  # noqa: B010
