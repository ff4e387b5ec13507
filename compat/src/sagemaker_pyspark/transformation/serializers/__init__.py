"""The original's ``sagemaker_pyspark.transformation.serializers``."""

from sagemaker_pyspark.transformation.serializers.serializers import (
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
