"""smspark-local: SageMaker on this machine, behind its real wire protocols.

``LocalSageMaker`` answers the SageMaker, SageMaker Runtime and CloudWatch Logs protocols on
127.0.0.1 (with moto's server for S3 and STS) and runs training jobs, endpoints and
transform jobs as local processes of the algorithms' local images (``smspark_local.service``).
Local images are written with the container toolkit (``smspark_local.toolkit``), which
imports neither pyspark nor boto3.

Names load on first use: a local image's child process imports the toolkit and must not pay
for the backend's boto3 and moto."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smspark_core.foundation.lazy import lazy_exports

_EXPORTS = {
    "LocalSageMaker": "smspark_local.service.backend",
    "Faults": "smspark_local.service.faults",
    "InvocationError": "smspark_local.toolkit.container",
    "InvocationResponse": "smspark_local.toolkit.container",
    "TrainingEnvironment": "smspark_local.toolkit.container",
}

if TYPE_CHECKING:
    from smspark_local.service.backend import LocalSageMaker
    from smspark_local.service.faults import Faults
    from smspark_local.toolkit.container import (
        InvocationError,
        InvocationResponse,
        TrainingEnvironment,
    )

__all__ = [
    "Faults",
    "InvocationError",
    "InvocationResponse",
    "LocalSageMaker",
    "TrainingEnvironment",
]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
