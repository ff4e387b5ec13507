"""smspark-xgboost: SageMaker XGBoost in Spark ML pipelines, with the real XGBoost library
in the local image.

    from smspark_xgboost import XGBoostSageMakerEstimator

Names load on first use, so that the local image's processes, which import
``smspark_xgboost.container``, do not load pyspark."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smspark_core.foundation.lazy import lazy_exports

if TYPE_CHECKING:
    from smspark_xgboost.deserializers import XGBoostProbabilitiesRowDeserializer
    from smspark_xgboost.estimator import XGBoostSageMakerEstimator

__all__ = [
    "XGBoostProbabilitiesRowDeserializer",
    "XGBoostSageMakerEstimator",
]
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        **dict.fromkeys(["XGBoostProbabilitiesRowDeserializer"], "smspark_xgboost.deserializers"),
        **dict.fromkeys(["XGBoostSageMakerEstimator"], "smspark_xgboost.estimator"),
    },
)
