"""The original's ``sagemaker_pyspark.algorithms.LDASageMakerEstimator``, from smspark-lda."""

from sagemaker_pyspark._ported import plugin_estimator

LDASageMakerEstimator = plugin_estimator("LDASageMakerEstimator", __name__, "smspark-lda")

__all__ = ["LDASageMakerEstimator"]
