"""Shared by the XGBoost tests."""

from __future__ import annotations

from smspark_xgboost import XGBoostSageMakerEstimator

from smspark_core import EndpointCreationPolicy, IAMRole

ROLE = "arn:aws:iam::123456789012:role/smspark-test"


def estimator(local=None, **kwargs) -> XGBoostSageMakerEstimator:
    options = {
        "sagemakerRole": IAMRole(ROLE),
        "trainingInstanceType": "ml.m5.large",
        "trainingInstanceCount": 1,
        "endpointInstanceType": "ml.m5.large",
        "endpointInitialInstanceCount": 1,
        "endpointCreationPolicy": EndpointCreationPolicy.DO_NOT_CREATE,
        "pollSeconds": 0.1,
    }
    if local is not None:
        options["clientSpec"] = local.client_spec
    return XGBoostSageMakerEstimator(**{**options, **kwargs})
