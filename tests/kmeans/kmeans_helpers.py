"""Shared by the k-means tests: the estimator on a local backend, and the digits."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits
from smspark_kmeans import KMeansSageMakerEstimator

from smspark_core import EndpointCreationPolicy, IAMRole

ROLE = "arn:aws:iam::123456789012:role/smspark-test"


def estimator(local=None, **kwargs) -> KMeansSageMakerEstimator:
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
    return KMeansSageMakerEstimator(**{**options, **kwargs})


def digits() -> tuple[np.ndarray, np.ndarray]:
    data = load_digits()
    return data.data.astype(np.float64), data.target
