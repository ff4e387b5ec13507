"""The original's ``sagemaker_pyspark.transformation.serializers.serializers`` (and smspark's
unlabeled LibSVM serializer)."""

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
