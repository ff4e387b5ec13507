"""smspark-linearlearner's registrations: the algorithm, its three deserializers and the
local image."""

from __future__ import annotations

from smspark_core import hookimpl
from smspark_core.foundation.media_types import PROTOBUF
from smspark_core.plugins.specs import AlgorithmSpec, DeserializerSpec, LocalImageSpec
from smspark_linearlearner import deserializers as d
from smspark_linearlearner.estimators import (
    LinearLearnerBinaryClassifier,
    LinearLearnerMultiClassClassifier,
    LinearLearnerRegressor,
)


@hookimpl
def register_algorithms(register):
    register(
        AlgorithmSpec(
            "linear-learner",
            estimators=(
                LinearLearnerBinaryClassifier,
                LinearLearnerMultiClassClassifier,
                LinearLearnerRegressor,
            ),
            description="SageMaker Linear Learner: binary, multiclass and regression",
        )
    )


@hookimpl
def register_deserializers(register):
    for name, factory, what in [
        ("linear-learner-binary", d.LinearLearnerBinaryClassifierProtobufResponseRowDeserializer,
         "score and predicted_label"),
        ("linear-learner-multiclass",
         d.LinearLearnerMultiClassClassifierProtobufResponseRowDeserializer,
         "score vector and predicted_label"),
        ("linear-learner-regressor", d.LinearLearnerRegressorProtobufResponseRowDeserializer,
         "score"),
    ]:  # fmt: skip
        register(DeserializerSpec(name, factory, PROTOBUF, what))


@hookimpl
def register_local_images(register):
    register(
        LocalImageSpec(
            "linear-learner",
            train="smspark_linearlearner.container:train",
            serve="smspark_linearlearner.container:serve",
            description="Linear Learner in numpy: parallel models, mini-batch optimisers",
        )
    )
