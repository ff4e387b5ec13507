"""smspark-randomcutforest's registrations: the algorithm, its deserializer and the local
image."""

from __future__ import annotations

from smspark_core import hookimpl
from smspark_core.foundation.media_types import PROTOBUF
from smspark_core.plugins.specs import (
    AlgorithmSpec,
    DeserializerSpec,
    LocalImageSpec,
    reported_metrics,
)
from smspark_randomcutforest.deserializer import RandomCutForestProtobufResponseRowDeserializer
from smspark_randomcutforest.estimator import RandomCutForestSageMakerEstimator


@hookimpl
def register_algorithms(register):
    register(
        AlgorithmSpec(
            "randomcutforest",
            estimators=(RandomCutForestSageMakerEstimator,),
            description="SageMaker Random Cut Forest: an anomaly score for every row",
        )
    )


@hookimpl
def register_deserializers(register):
    register(
        DeserializerSpec(
            "randomcutforest",
            RandomCutForestProtobufResponseRowDeserializer,
            PROTOBUF,
            "score (the anomaly score)",
        )
    )


@hookimpl
def register_local_images(register):
    register(
        LocalImageSpec(
            "randomcutforest",
            train="smspark_randomcutforest.container:train",
            serve="smspark_randomcutforest.container:serve",
            description="a robust random cut forest over a seeded reservoir sample, in numpy",
            metric_definitions=reported_metrics(
                "test:accuracy",
                "test:precision",
                "test:recall",
                "test:f1",
                "test:precision_normal",
                "test:recall_normal",
                "test:f1_normal",
            ),
        )
    )
