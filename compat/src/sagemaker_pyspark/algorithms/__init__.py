"""The original's ``sagemaker_pyspark.algorithms``: the estimators of the installed smspark
algorithm plugins under their original names (a missing plugin's estimator says, when it is
constructed, which distribution to install)."""

from sagemaker_pyspark.algorithms.FactorizationMachinesSageMakerEstimator import (
    FactorizationMachinesBinaryClassifier,
    FactorizationMachinesRegressor,
)
from sagemaker_pyspark.algorithms.KMeansSageMakerEstimator import KMeansSageMakerEstimator
from sagemaker_pyspark.algorithms.LDASageMakerEstimator import LDASageMakerEstimator
from sagemaker_pyspark.algorithms.LinearLearnerSageMakerEstimator import (
    LinearLearnerBinaryClassifier,
    LinearLearnerMultiClassClassifier,
    LinearLearnerRegressor,
)
from sagemaker_pyspark.algorithms.PCASageMakerEstimator import PCASageMakerEstimator
from sagemaker_pyspark.algorithms.XGBoostSageMakerEstimator import XGBoostSageMakerEstimator

__all__ = [
    "FactorizationMachinesBinaryClassifier",
    "FactorizationMachinesRegressor",
    "KMeansSageMakerEstimator",
    "LDASageMakerEstimator",
    "LinearLearnerBinaryClassifier",
    "LinearLearnerMultiClassClassifier",
    "LinearLearnerRegressor",
    "PCASageMakerEstimator",
    "XGBoostSageMakerEstimator",
]
