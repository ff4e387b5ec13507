"""smspark-kmeans's registrations: the algorithm, its deserializer and the local image."""

from __future__ import annotations

from smspark_core import hookimpl
from smspark_core.foundation.media_types import PROTOBUF
from smspark_core.plugins.specs import (
    AlgorithmSpec,
    DeserializerSpec,
    LocalImageSpec,
    reported_metrics,
)
from smspark_kmeans.deserializer import KMeansProtobufResponseRowDeserializer
from smspark_kmeans.estimator import KMeansSageMakerEstimator


@hookimpl
def register_algorithms(register):
    register(
        AlgorithmSpec(
            "kmeans",
            estimators=(KMeansSageMakerEstimator,),
            description="SageMaker web-scale k-means",
        )
    )


@hookimpl
def register_deserializers(register):
    register(
        DeserializerSpec(
            "kmeans",
            KMeansProtobufResponseRowDeserializer,
            PROTOBUF,
            "closest_cluster and distance_to_cluster",
        )
    )


@hookimpl
def register_local_images(register):
    register(
        LocalImageSpec(
            "kmeans",
            train="smspark_kmeans.container:train",
            serve="smspark_kmeans.container:serve",
            description="web-scale k-means in numpy (streaming mini-batches, then local Lloyd)",
            metric_definitions=reported_metrics(
                "train:msd", "train:progress", "test:msd", "test:ssd"
            ),
        )
    )
