"""smspark-knn's registrations: the algorithm, its two deserializers and the local image."""

from __future__ import annotations

from smspark_core import hookimpl
from smspark_core.foundation.media_types import JSON, PROTOBUF
from smspark_core.plugins.specs import (
    AlgorithmSpec,
    DeserializerSpec,
    LocalImageSpec,
    reported_metrics,
)
from smspark_knn.deserializers import (
    KNNProtobufResponseRowDeserializer,
    KNNVerboseResponseRowDeserializer,
)
from smspark_knn.estimator import KNNSageMakerEstimator


@hookimpl
def register_algorithms(register):
    register(
        AlgorithmSpec(
            "knn",
            estimators=(KNNSageMakerEstimator,),
            description="SageMaker k-NN: classification and regression by nearest neighbours",
        )
    )


@hookimpl
def register_deserializers(register):
    register(
        DeserializerSpec("knn", KNNProtobufResponseRowDeserializer, PROTOBUF, "predicted_label")
    )
    register(
        DeserializerSpec(
            "knn-verbose",
            KNNVerboseResponseRowDeserializer,
            f"{JSON}; verbose=true",
            "predicted_label, distances and labels",
        )
    )


@hookimpl
def register_local_images(register):
    register(
        LocalImageSpec(
            "knn",
            train="smspark_knn.container:train",
            serve="smspark_knn.container:serve",
            description="k-NN over a seeded sample: exact or inverted-file search in numpy",
            metric_definitions=reported_metrics("test:accuracy", "test:mse"),
        )
    )
