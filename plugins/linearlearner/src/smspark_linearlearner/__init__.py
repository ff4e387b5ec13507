"""smspark-linearlearner: SageMaker Linear Learner in Spark ML pipelines, and a real local
Linear Learner image.

    from smspark_linearlearner import LinearLearnerBinaryClassifier
"""

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
