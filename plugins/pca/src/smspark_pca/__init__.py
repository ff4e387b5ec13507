"""smspark-pca: SageMaker PCA in Spark ML pipelines, and a real local PCA image.

from smspark_pca import PCASageMakerEstimator
"""

from smspark_pca.deserializer import PCAProtobufResponseRowDeserializer
from smspark_pca.estimator import PCASageMakerEstimator

__all__ = ["PCAProtobufResponseRowDeserializer", "PCASageMakerEstimator"]
