"""smspark-linearlearner: SageMaker Linear Learner in Spark ML pipelines, and a real local
Linear Learner image.

    from smspark_linearlearner import LinearLearnerBinaryClassifier

Names load on first use, so that the local image's processes, which import
``smspark_linearlearner.container``, do not load pyspark."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smspark_core.foundation.lazy import lazy_exports

if TYPE_CHECKING:
    from smspark_linearlearner.deserializers import (
        LinearLearnerBinaryClassifierProtobufResponseRowDeserializer,
        LinearLearnerMultiClassClassifierProtobufResponseRowDeserializer,
        LinearLearnerRegressorProtobufResponseRowDeserializer,
    )
    from smspark_linearlearner.estimators import (
        LinearLearnerBinaryClassifier,
        LinearLearnerMultiClassClassifier,
        LinearLearnerRegressor,
    )

__all__ = [
    "LinearLearnerBinaryClassifier",
    "LinearLearnerBinaryClassifierProtobufResponseRowDeserializer",
    "LinearLearnerMultiClassClassifier",
    "LinearLearnerMultiClassClassifierProtobufResponseRowDeserializer",
    "LinearLearnerRegressor",
    "LinearLearnerRegressorProtobufResponseRowDeserializer",
]
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        **dict.fromkeys(
            [
                "LinearLearnerBinaryClassifierProtobufResponseRowDeserializer",
                "LinearLearnerMultiClassClassifierProtobufResponseRowDeserializer",
                "LinearLearnerRegressorProtobufResponseRowDeserializer",
            ],
            "smspark_linearlearner.deserializers",
        ),
        **dict.fromkeys(
            [
                "LinearLearnerBinaryClassifier",
                "LinearLearnerMultiClassClassifier",
                "LinearLearnerRegressor",
            ],
            "smspark_linearlearner.estimators",
        ),
    },
)
