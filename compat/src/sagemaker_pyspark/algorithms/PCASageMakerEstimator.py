"""The original's ``sagemaker_pyspark.algorithms.PCASageMakerEstimator``, from smspark-pca."""

from sagemaker_pyspark._ported import plugin_estimator

PCASageMakerEstimator = plugin_estimator("PCASageMakerEstimator", __name__, "smspark-pca")

__all__ = ["PCASageMakerEstimator"]
