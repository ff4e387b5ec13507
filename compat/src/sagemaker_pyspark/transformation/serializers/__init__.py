"""The original's request serializers (and smspark's unlabeled LibSVM one)."""

from smspark_core.transformation.serializers import (
    LibSVMRequestRowSerializer,
    ProtobufRequestRowSerializer,
    RequestRowSerializer,
    UnlabeledCSVRequestRowSerializer,
    UnlabeledLibSVMRequestRowSerializer,
)

__all__ = [
    "LibSVMRequestRowSerializer",
    "ProtobufRequestRowSerializer",
    "RequestRowSerializer",
    "UnlabeledCSVRequestRowSerializer",
    "UnlabeledLibSVMRequestRowSerializer",
]
