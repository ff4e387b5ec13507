"""smspark-xgboost: SageMaker XGBoost in Spark ML pipelines, with the real XGBoost library
in the local image.

    from smspark_xgboost import XGBoostSageMakerEstimator
"""

from smspark_xgboost.deserializers import XGBoostProbabilitiesRowDeserializer
from smspark_xgboost.estimator import XGBoostSageMakerEstimator

__all__ = ["XGBoostProbabilitiesRowDeserializer", "XGBoostSageMakerEstimator"]
