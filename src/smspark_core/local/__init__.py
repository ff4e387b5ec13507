"""The local SageMaker backend: training jobs and endpoints as local processes behind
SageMaker's real wire protocols, with S3 and STS from moto's server."""

from smspark_core.local.backend import LocalSageMaker
from smspark_core.local.container import InvocationError, InvocationResponse, TrainingEnvironment
from smspark_core.local.faults import Faults

__all__ = [
    "Faults",
    "InvocationError",
    "InvocationResponse",
    "LocalSageMaker",
    "TrainingEnvironment",
]
