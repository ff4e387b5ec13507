"""smspark-lda: SageMaker LDA in Spark ML pipelines, and a real local LDA image.

from smspark_lda import LDASageMakerEstimator

Names load on first use, so that the local image's processes, which import
``smspark_lda.container``, do not load pyspark."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smspark_core.foundation.lazy import lazy_exports

if TYPE_CHECKING:
    from smspark_lda.deserializer import LDAProtobufResponseRowDeserializer
    from smspark_lda.estimator import LDASageMakerEstimator

__all__ = ["LDAProtobufResponseRowDeserializer", "LDASageMakerEstimator"]
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "LDAProtobufResponseRowDeserializer": "smspark_lda.deserializer",
        "LDASageMakerEstimator": "smspark_lda.estimator",
    },
)
