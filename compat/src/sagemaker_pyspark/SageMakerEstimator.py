"""The original's ``sagemaker_pyspark.SageMakerEstimator``."""

from sagemaker_pyspark._ported import ported
from smspark_core.aws.resources import EndpointCreationPolicy
from smspark_core.estimator import SageMakerEstimator as _SageMakerEstimator

SageMakerEstimator = ported(_SageMakerEstimator, __name__)
# The original's base of every estimator; smspark's estimators share one class.
SageMakerEstimatorBase = _SageMakerEstimator

__all__ = ["EndpointCreationPolicy", "SageMakerEstimator", "SageMakerEstimatorBase"]
