"""smspark-randomcutforest: SageMaker Random Cut Forest in Spark ML pipelines, and a real
local Random Cut Forest image.

from smspark_randomcutforest import RandomCutForestSageMakerEstimator

Names load on first use, so that the local image's processes, which import
``smspark_randomcutforest.container``, do not load pyspark."""

from __future__ import annotations

from smspark_core.foundation.lazy import lazy_exports

__all__ = [
    "RandomCutForestProtobufResponseRowDeserializer",
    "RandomCutForestSageMakerEstimator",
]
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "RandomCutForestProtobufResponseRowDeserializer": "smspark_randomcutforest.deserializer",
        "RandomCutForestSageMakerEstimator": "smspark_randomcutforest.estimator",
    },
)
