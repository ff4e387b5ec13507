"""The original's ``sagemaker_pyspark.algorithms.FactorizationMachinesSageMakerEstimator``,
from smspark-factorizationmachines."""

from sagemaker_pyspark._ported import plugin_estimator

_DISTRIBUTION = "smspark-factorizationmachines"
FactorizationMachinesBinaryClassifier = plugin_estimator(
    "FactorizationMachinesBinaryClassifier", __name__, _DISTRIBUTION
)
FactorizationMachinesRegressor = plugin_estimator(
    "FactorizationMachinesRegressor", __name__, _DISTRIBUTION
)

__all__ = ["FactorizationMachinesBinaryClassifier", "FactorizationMachinesRegressor"]
