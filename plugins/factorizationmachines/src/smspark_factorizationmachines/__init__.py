"""smspark-factorizationmachines: SageMaker Factorization Machines in Spark ML pipelines,
and a real local factorization machine image.

from smspark_factorizationmachines import FactorizationMachinesBinaryClassifier
"""

from smspark_factorizationmachines.deserializers import (
    FactorizationMachinesBinaryClassifierDeserializer,
    FactorizationMachinesRegressorDeserializer,
)
from smspark_factorizationmachines.estimators import (
    FactorizationMachinesBinaryClassifier,
    FactorizationMachinesRegressor,
    FactorizationMachinesSageMakerEstimator,
)

__all__ = [
    "FactorizationMachinesBinaryClassifier",
    "FactorizationMachinesBinaryClassifierDeserializer",
    "FactorizationMachinesRegressor",
    "FactorizationMachinesRegressorDeserializer",
    "FactorizationMachinesSageMakerEstimator",
]
