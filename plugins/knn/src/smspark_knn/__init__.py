"""smspark-knn: SageMaker k-NN in Spark ML pipelines, and a real local k-NN image.

from smspark_knn import KNNSageMakerEstimator

Names load on first use, so that the local image's processes, which import
``smspark_knn.container``, do not load pyspark."""

from __future__ import annotations

from smspark_core.foundation.lazy import lazy_exports

__all__ = [
    "KNNProtobufResponseRowDeserializer",
    "KNNSageMakerEstimator",
    "KNNVerboseResponseRowDeserializer",
]
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        name: "smspark_knn." + ("deserializers" if name.endswith("Deserializer") else "estimator")
        for name in __all__
    },
)
