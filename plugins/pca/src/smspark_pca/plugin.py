"""smspark-pca's registrations: the algorithm, its deserializer and the local image."""

from __future__ import annotations

from smspark_core import hookimpl
from smspark_core.foundation.media_types import PROTOBUF
from smspark_core.plugins.specs import (
    AlgorithmSpec,
    DeserializerSpec,
    LocalImageSpec,
    reported_metrics,
)
from smspark_pca.deserializer import PCAProtobufResponseRowDeserializer
from smspark_pca.estimator import PCASageMakerEstimator


@hookimpl
def register_algorithms(register):
    register(
        AlgorithmSpec(
            "pca",
            estimators=(PCASageMakerEstimator,),
            description="SageMaker PCA",
        )
    )


@hookimpl
def register_deserializers(register):
    register(
        DeserializerSpec("pca", PCAProtobufResponseRowDeserializer, PROTOBUF, "projection vectors")
    )


@hookimpl
def register_local_images(register):
    register(
        LocalImageSpec(
            "pca",
            train="smspark_pca.container:train",
            serve="smspark_pca.container:serve",
            description="streaming PCA in numpy (exact covariance or randomized range finder)",
            metric_definitions=reported_metrics("train:progress", "train:throughput"),
        )
    )
