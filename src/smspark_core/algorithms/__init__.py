"""Building blocks for estimators of SageMaker's own algorithms: image URIs, validated
hyperparameter Params, the shared estimator base and first-party response deserializers.
The algorithm plugins (smspark-kmeans, smspark-pca, ...) are built from these."""

from __future__ import annotations

from typing import Any

_SUBMODULES = frozenset({"estimator", "images", "params", "responses"})


def __getattr__(name: str) -> Any:
    """The estimator classes of installed algorithm plugins by class name, so that
    ``from sagemaker_pyspark.algorithms import KMeansSageMakerEstimator`` ports to
    ``from smspark_core.algorithms import KMeansSageMakerEstimator``."""
    if name.startswith("_") or name in _SUBMODULES:
        raise AttributeError(name)  # the import machinery asking; never load plugins for it
    from smspark_core.plugins import get_plugin_host

    for spec in get_plugin_host().algorithms.values():
        for estimator in spec.estimators:
            if estimator.__name__ == name:
                return estimator
    raise AttributeError(
        f"module {__name__!r} has no attribute {name!r} (no installed "
        "smspark algorithm plugin provides it)"
    )
