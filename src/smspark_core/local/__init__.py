"""The local SageMaker backend: training jobs and endpoints as local processes behind
SageMaker's real wire protocols, with S3 and STS from moto's server.

Names load on first use: a local image's child process imports ``smspark_core.local.container``
and must not pay for the backend's boto3 and moto."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smspark_core.lazy import lazy_exports

_EXPORTS = {
    "LocalSageMaker": "smspark_core.local.backend",
    "InvocationError": "smspark_core.local.container",
    "InvocationResponse": "smspark_core.local.container",
    "TrainingEnvironment": "smspark_core.local.container",
    "Faults": "smspark_core.local.faults",
}

if TYPE_CHECKING:
    from smspark_core.local.backend import LocalSageMaker
    from smspark_core.local.container import (
        InvocationError,
        InvocationResponse,
        TrainingEnvironment,
    )
    from smspark_core.local.faults import Faults

__all__ = [
    "Faults",
    "InvocationError",
    "InvocationResponse",
    "LocalSageMaker",
    "TrainingEnvironment",
]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
