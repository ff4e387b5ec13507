"""smspark-factorizationmachines: SageMaker Factorization Machines in Spark ML pipelines,
and a real local factorization machine image.

from smspark_factorizationmachines import FactorizationMachinesBinaryClassifier

Names load on first use, so that the local image's processes, which import
``smspark_factorizationmachines.container``, do not load pyspark."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smspark_core.foundation.lazy import lazy_exports

if TYPE_CHECKING:
    from smspark_factorizationmachines.deserializers import (
        FactorizationMachinesBinaryClassifierDeserializer,
        FactorizationMachinesRegressorDeserializer,
    )
    from smspark_factorizationmachines.estimators import (
        FactorizationMachinesBinaryClassifier,
        FactorizationMachinesRegressor,
        FactorizationMachinesSageMakerEstimator,
    )

__all__ = [
    "FactorizationMachinesBinaryClassifier",
    "FactorizationMachinesBinaryClassifierDeserializer",
    "FactorizationMachinesRegressor",
    "FactorizationMachinesRegressorDeserializer",
    "FactorizationMachinesSageMakerEstimator",
]
_DESERIALIZERS = [name for name in __all__ if name.endswith("Deserializer")]
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        name: "smspark_factorizationmachines."
        + ("deserializers" if name in _DESERIALIZERS else "estimators")
        for name in __all__
    },
)
