"""The original's ``sagemaker_pyspark.algorithms.KMeansSageMakerEstimator``, from smspark-kmeans."""

from sagemaker_pyspark._ported import plugin_estimator

KMeansSageMakerEstimator = plugin_estimator("KMeansSageMakerEstimator", __name__, "smspark-kmeans")

__all__ = ["KMeansSageMakerEstimator"]
