"""The original's ``sagemaker_pyspark.transformation.deserializers``."""

from sagemaker_pyspark.transformation.deserializers.deserializers import (
    FactorizationMachinesBinaryClassifierDeserializer,
    FactorizationMachinesRegressorDeserializer,
    KMeansProtobufResponseRowDeserializer,
    LDAProtobufResponseRowDeserializer,
    LibSVMResponseRowDeserializer,
    LinearLearnerBinaryClassifierProtobufResponseRowDeserializer,
    LinearLearnerMultiClassClassifierProtobufResponseRowDeserializer,
    LinearLearnerRegressorProtobufResponseRowDeserializer,
    PCAProtobufResponseRowDeserializer,
    ProtobufResponseRowDeserializer,
    ResponseRowDeserializer,
    XGBoostCSVRowDeserializer,
)

__all__ = [
    "FactorizationMachinesBinaryClassifierDeserializer",
    "FactorizationMachinesRegressorDeserializer",
    "KMeansProtobufResponseRowDeserializer",
    "LDAProtobufResponseRowDeserializer",
    "LibSVMResponseRowDeserializer",
    "LinearLearnerBinaryClassifierProtobufResponseRowDeserializer",
    "LinearLearnerMultiClassClassifierProtobufResponseRowDeserializer",
    "LinearLearnerRegressorProtobufResponseRowDeserializer",
    "PCAProtobufResponseRowDeserializer",
    "ProtobufResponseRowDeserializer",
    "ResponseRowDeserializer",
    "XGBoostCSVRowDeserializer",
]
