"""smspark-pca: SageMaker PCA in Spark ML pipelines, and a real local PCA image.

from smspark_pca import PCASageMakerEstimator

Names load on first use, so that the local image's processes, which import
``smspark_pca.container``, do not load pyspark."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smspark_core.foundation.lazy import lazy_exports

if TYPE_CHECKING:
    from smspark_pca.deserializer import PCAProtobufResponseRowDeserializer
    from smspark_pca.estimator import PCASageMakerEstimator

__all__ = [
    "PCAProtobufResponseRowDeserializer",
    "PCASageMakerEstimator",
]
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        **dict.fromkeys(["PCAProtobufResponseRowDeserializer"], "smspark_pca.deserializer"),
        **dict.fromkeys(["PCASageMakerEstimator"], "smspark_pca.estimator"),
    },
)
