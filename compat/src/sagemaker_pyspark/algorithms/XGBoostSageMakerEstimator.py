"""The original's ``sagemaker_pyspark.algorithms.XGBoostSageMakerEstimator``, from
smspark-xgboost."""

from sagemaker_pyspark._ported import plugin_estimator

XGBoostSageMakerEstimator = plugin_estimator(
    "XGBoostSageMakerEstimator", __name__, "smspark-xgboost"
)

__all__ = ["XGBoostSageMakerEstimator"]
