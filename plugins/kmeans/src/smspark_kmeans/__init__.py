"""smspark-kmeans: SageMaker k-means in Spark ML pipelines, and a real local k-means image.

from smspark_kmeans import KMeansSageMakerEstimator

Names load on first use, so that the local image's processes, which import
``smspark_kmeans.container``, do not load pyspark."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smspark_core.foundation.lazy import lazy_exports

if TYPE_CHECKING:
    from smspark_kmeans.deserializer import KMeansProtobufResponseRowDeserializer
    from smspark_kmeans.estimator import KMeansSageMakerEstimator

__all__ = [
    "KMeansProtobufResponseRowDeserializer",
    "KMeansSageMakerEstimator",
]
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        **dict.fromkeys(["KMeansProtobufResponseRowDeserializer"], "smspark_kmeans.deserializer"),
        **dict.fromkeys(["KMeansSageMakerEstimator"], "smspark_kmeans.estimator"),
    },
)
