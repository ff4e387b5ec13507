"""The original's ``sagemaker_pyspark.algorithms.FactorizationMachinesSageMakerEstimator``,
from smspark-factorizationmachines."""

from sagemaker_pyspark._ported import plugin_class, plugin_estimator

_DISTRIBUTION = "smspark-factorizationmachines"
FactorizationMachinesBinaryClassifier = plugin_estimator(
    "FactorizationMachinesBinaryClassifier", __name__, _DISTRIBUTION
)
FactorizationMachinesRegressor = plugin_estimator(
    "FactorizationMachinesRegressor", __name__, _DISTRIBUTION
)
# The original's Param mixin of the two: smspark's shared base, which declares every
# Factorization Machines Param and accessor.
FactorizationMachinesParams = plugin_class(
    "FactorizationMachinesSageMakerEstimator",
    "smspark_factorizationmachines.estimators",
    __name__,
    _DISTRIBUTION,
)

__all__ = [
    "FactorizationMachinesBinaryClassifier",
    "FactorizationMachinesParams",
    "FactorizationMachinesRegressor",
]
