"""The original's ``sagemaker_pyspark.algorithms.LinearLearnerSageMakerEstimator``, from
smspark-linearlearner."""

from sagemaker_pyspark._ported import plugin_class, plugin_estimator

_DISTRIBUTION = "smspark-linearlearner"
LinearLearnerBinaryClassifier = plugin_estimator(
    "LinearLearnerBinaryClassifier", __name__, _DISTRIBUTION
)
LinearLearnerMultiClassClassifier = plugin_estimator(
    "LinearLearnerMultiClassClassifier", __name__, _DISTRIBUTION
)
LinearLearnerRegressor = plugin_estimator("LinearLearnerRegressor", __name__, _DISTRIBUTION)
# The original's Param mixin of the three: smspark's shared base, which declares every Linear
# Learner Param and accessor (isinstance(estimator, LinearLearnerParams) holds for each).
LinearLearnerParams = plugin_class(
    "LinearLearnerSageMakerEstimator",
    "smspark_linearlearner.estimators",
    __name__,
    _DISTRIBUTION,
)

__all__ = [
    "LinearLearnerBinaryClassifier",
    "LinearLearnerMultiClassClassifier",
    "LinearLearnerParams",
    "LinearLearnerRegressor",
]
