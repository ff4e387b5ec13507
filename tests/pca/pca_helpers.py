"""Shared by the PCA tests."""

from __future__ import annotations

from smspark_pca import PCASageMakerEstimator

from smspark_core import EndpointCreationPolicy, IAMRole

ROLE = "arn:aws:iam::123456789012:role/smspark-test"
INSTANCES = {
    "trainingInstanceType": "ml.m5.large",
    "trainingInstanceCount": 1,
    "endpointInstanceType": "ml.m5.large",
    "endpointInitialInstanceCount": 1,
}


def estimator(local=None, **kwargs) -> PCASageMakerEstimator:
    options = {
        "sagemakerRole": IAMRole(ROLE),
        **INSTANCES,
        "endpointCreationPolicy": EndpointCreationPolicy.DO_NOT_CREATE,
        "pollSeconds": 0.1,
    }
    if local is not None:
        options["clientSpec"] = local.client_spec
    return PCASageMakerEstimator(**{**options, **kwargs})
