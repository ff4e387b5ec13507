"""smspark-xgboost's registrations: the algorithm, the probabilities deserializer and the
local image (for both ``xgboost:1`` and ``sagemaker-xgboost:<version>``)."""

from __future__ import annotations

from smspark_core import hookimpl
from smspark_core.foundation.media_types import CSV
from smspark_core.plugins.specs import (
    AlgorithmSpec,
    DeserializerSpec,
    LocalImageSpec,
    reported_metrics,
)
from smspark_xgboost.deserializers import XGBoostProbabilitiesRowDeserializer
from smspark_xgboost.estimator import XGBoostSageMakerEstimator

# The eval_metric values whose names the local image reports per channel.
XGBOOST_METRICS = (
    "rmse",
    "rmsle",
    "mae",
    "mape",
    "mphe",
    "logloss",
    "error",
    "merror",
    "mlogloss",
    "auc",
    "aucpr",
    "ndcg",
    "map",
    "poisson-nloglik",
    "gamma-nloglik",
    "cox-nloglik",
    "gamma-deviance",
    "tweedie-nloglik",
)


@hookimpl
def register_algorithms(register):
    register(
        AlgorithmSpec(
            "xgboost",
            estimators=(XGBoostSageMakerEstimator,),
            description="SageMaker XGBoost (sagemaker-xgboost:<version>, or legacy xgboost:1)",
        )
    )


@hookimpl
def register_deserializers(register):
    register(
        DeserializerSpec(
            "xgboost-probabilities",
            XGBoostProbabilitiesRowDeserializer,
            CSV,
            "multi:softprob class probabilities as a vector",
        )
    )


@hookimpl
def register_local_images(register):
    for repository in ("xgboost", "sagemaker-xgboost"):
        register(
            LocalImageSpec(
                repository,
                train="smspark_xgboost.container:train",
                serve="smspark_xgboost.container:serve",
                description="the xgboost library behind SageMaker's XGBoost container contract",
                metric_definitions=reported_metrics(
                    *(
                        f"{channel}:{metric}"
                        for channel in ("train", "validation")
                        for metric in XGBOOST_METRICS
                    )
                ),
            )
        )
