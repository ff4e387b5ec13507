"""smspark-factorizationmachines' registrations: the algorithm, its two deserializers and
the local image."""

from __future__ import annotations

from smspark_core import hookimpl
from smspark_core.foundation.media_types import PROTOBUF
from smspark_core.plugins.specs import (
    AlgorithmSpec,
    DeserializerSpec,
    LocalImageSpec,
    reported_metrics,
)
from smspark_factorizationmachines.deserializers import (
    FactorizationMachinesBinaryClassifierDeserializer,
    FactorizationMachinesRegressorDeserializer,
)
from smspark_factorizationmachines.estimators import (
    FactorizationMachinesBinaryClassifier,
    FactorizationMachinesRegressor,
)


@hookimpl
def register_algorithms(register):
    register(
        AlgorithmSpec(
            "factorization-machines",
            estimators=(FactorizationMachinesBinaryClassifier, FactorizationMachinesRegressor),
            description="SageMaker Factorization Machines: binary classifier and regressor",
        )
    )


@hookimpl
def register_deserializers(register):
    register(
        DeserializerSpec(
            "factorization-machines-binary",
            FactorizationMachinesBinaryClassifierDeserializer,
            PROTOBUF,
            "score and predicted_label",
        )
    )
    register(
        DeserializerSpec(
            "factorization-machines-regressor",
            FactorizationMachinesRegressorDeserializer,
            PROTOBUF,
            "score",
        )
    )


@hookimpl
def register_local_images(register):
    register(
        LocalImageSpec(
            "factorization-machines",
            train="smspark_factorizationmachines.container:train",
            serve="smspark_factorizationmachines.container:serve",
            description="a factorization machine in numpy/scipy.sparse, trained with Adam",
            metric_definitions=reported_metrics(
                *(
                    f"{channel}:{metric}"
                    for channel in ("train", "test")
                    for metric in (
                        "rmse",
                        "binary_classification_accuracy",
                        "binary_classification_cross_entropy",
                        "binary_f_beta",
                    )
                )
            ),
        )
    )
