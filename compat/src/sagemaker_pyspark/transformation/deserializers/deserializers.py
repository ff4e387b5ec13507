"""The original's ``sagemaker_pyspark.transformation.deserializers.deserializers``: the core's
deserializers, and each algorithm plugin's by its original class name (a missing plugin's
says, when it is constructed, which distribution to install)."""

from sagemaker_pyspark._ported import plugin_deserializer
from smspark_core.transformation.deserializers import (
    LibSVMResponseRowDeserializer,
    ProtobufResponseRowDeserializer,
    ResponseRowDeserializer,
    XGBoostCSVRowDeserializer,
)

KMeansProtobufResponseRowDeserializer = plugin_deserializer(
    "KMeansProtobufResponseRowDeserializer", __name__, "smspark-kmeans"
)
PCAProtobufResponseRowDeserializer = plugin_deserializer(
    "PCAProtobufResponseRowDeserializer", __name__, "smspark-pca"
)
LDAProtobufResponseRowDeserializer = plugin_deserializer(
    "LDAProtobufResponseRowDeserializer", __name__, "smspark-lda"
)
LinearLearnerBinaryClassifierProtobufResponseRowDeserializer = plugin_deserializer(
    "LinearLearnerBinaryClassifierProtobufResponseRowDeserializer",
    __name__,
    "smspark-linearlearner",
)
LinearLearnerMultiClassClassifierProtobufResponseRowDeserializer = plugin_deserializer(
    "LinearLearnerMultiClassClassifierProtobufResponseRowDeserializer",
    __name__,
    "smspark-linearlearner",
)
LinearLearnerRegressorProtobufResponseRowDeserializer = plugin_deserializer(
    "LinearLearnerRegressorProtobufResponseRowDeserializer", __name__, "smspark-linearlearner"
)
FactorizationMachinesBinaryClassifierDeserializer = plugin_deserializer(
    "FactorizationMachinesBinaryClassifierDeserializer", __name__, "smspark-factorizationmachines"
)
FactorizationMachinesRegressorDeserializer = plugin_deserializer(
    "FactorizationMachinesRegressorDeserializer", __name__, "smspark-factorizationmachines"
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
