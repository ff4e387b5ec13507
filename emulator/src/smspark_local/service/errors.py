"""Errors the local backend answers with, carrying the real services' codes."""

from __future__ import annotations

from typing import Any

from smspark_core.foundation.errors import SmsparkError


class ApiError(SmsparkError):
    """An AWS JSON error: ``{"__type": code, "message": message}`` with an HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.extra: dict[str, Any] = {}  # more fields of the error document, as some carry


def validation(message: str) -> ApiError:
    return ApiError("ValidationException", message)


def not_found(kind: str, arn: str) -> ApiError:
    """SageMaker answers Describe/Delete of a missing resource with ValidationException."""
    return validation(f'Could not find {kind} "{arn}".')
