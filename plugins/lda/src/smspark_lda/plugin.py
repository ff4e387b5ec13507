"""smspark-lda's registrations: the algorithm, its deserializer and the local image."""

from __future__ import annotations

from smspark_core import hookimpl
from smspark_core.foundation.media_types import PROTOBUF
from smspark_core.plugins.specs import (
    AlgorithmSpec,
    DeserializerSpec,
    LocalImageSpec,
    reported_metrics,
)
from smspark_lda.deserializer import LDAProtobufResponseRowDeserializer
from smspark_lda.estimator import LDASageMakerEstimator


@hookimpl
def register_algorithms(register):
    register(
        AlgorithmSpec(
            "lda",
            estimators=(LDASageMakerEstimator,),
            description="SageMaker LDA topic models",
        )
    )


@hookimpl
def register_deserializers(register):
    register(DeserializerSpec("lda", LDAProtobufResponseRowDeserializer, PROTOBUF, "topic_mixture"))


@hookimpl
def register_local_images(register):
    register(
        LocalImageSpec(
            "lda",
            train="smspark_lda.container:train",
            serve="smspark_lda.container:serve",
            description="LDA by online variational Bayes in numpy (streaming mini-batches)",
            metric_definitions=reported_metrics("train:pwll", "test:pwll"),
        )
    )
