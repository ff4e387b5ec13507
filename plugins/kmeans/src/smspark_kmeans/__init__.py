"""smspark-kmeans: SageMaker k-means in Spark ML pipelines, and a real local k-means image.

from smspark_kmeans import KMeansSageMakerEstimator
"""

from smspark_kmeans.deserializer import KMeansProtobufResponseRowDeserializer
from smspark_kmeans.estimator import KMeansSageMakerEstimator

__all__ = ["KMeansProtobufResponseRowDeserializer", "KMeansSageMakerEstimator"]
