"""smspark-lda: SageMaker LDA in Spark ML pipelines, and a real local LDA image.

from smspark_lda import LDASageMakerEstimator
"""

from smspark_lda.deserializer import LDAProtobufResponseRowDeserializer
from smspark_lda.estimator import LDASageMakerEstimator

__all__ = ["LDAProtobufResponseRowDeserializer", "LDASageMakerEstimator"]
