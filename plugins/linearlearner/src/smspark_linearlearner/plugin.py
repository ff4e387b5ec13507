"""smspark-linearlearner's registrations: the algorithm, its three deserializers and the
local image."""

from __future__ import annotations

from smspark_core import hookimpl
from smspark_core.foundation.media_types import PROTOBUF
from smspark_core.plugins.specs import (
    AlgorithmSpec,
    DeserializerSpec,
    LocalImageSpec,
    reported_metrics,
)
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
            metric_definitions=reported_metrics(
                *(
                    f"{channel}:{metric}"
                    for channel in ("train", "validation", "test")
                    for metric in (
                        "objective_loss",
                        "mse",
                        "rmse",
                        "absolute_loss",
                        "multiclass_accuracy",
                        "multiclass_cross_entropy_loss",
                        "binary_classification_accuracy",
                        "precision",
                        "recall",
                    )
                )
            ),
        )
    )
