"""The two Factorization Machines estimators, with the original's constructors and Params.

Every Param is named by its hyperparameter key, with the original's accessors
(``setNumFactors``, ``setBiasLr``, ``setFactorsInitMethod``, ...). ``predictor_type`` is
fixed per class and sent. As in the original, ``mini_batch_size`` has no client default and
is not required (the container's default, 1000, applies); ``num_factors`` is required and
``feature_dim`` is taken from the data when unset.
"""

from __future__ import annotations

from typing import Any, ClassVar

from smspark_core.algorithms.estimator import AmazonAlgorithmEstimator
from smspark_core.algorithms.images import FIRST_PARTY_ACCOUNTS
from smspark_core.algorithms.params import add_accessors, choice_param, float_param, int_param
from smspark_core.transformation.deserializers import ResponseRowDeserializer
from smspark_factorizationmachines.deserializers import (
    FactorizationMachinesBinaryClassifierDeserializer,
    FactorizationMachinesRegressorDeserializer,
)

INIT_METHODS = ("normal", "uniform", "constant")


def _rate(name: str, doc: str):
    return float_param(name, doc, 0.0)


class FactorizationMachinesSageMakerEstimator(AmazonAlgorithmEstimator):
    """The shared base of the two estimators (image ``factorization-machines:1``)."""

    image_repository: ClassVar[str] = "factorization-machines"
    registry_accounts = FIRST_PARTY_ACCOUNTS
    required_params: ClassVar[tuple[str, ...]] = ("feature_dim", "predictor_type", "num_factors")
    predictor_type_value: ClassVar[str]

    num_factors = int_param(
        "num_factors", "The dimensionality of the factorization.", low=0, low_open=True
    )
    predictor_type = choice_param(
        "predictor_type", "Fixed by the estimator class.", ("binary_classifier", "regressor")
    )
    epochs = int_param("epochs", "Passes over the training data.", low=0, low_open=True)
    clip_gradient = float_param(
        "clip_gradient", "Gradients are clipped to [-clip_gradient, clip_gradient]."
    )
    eps = float_param("eps", "The optimizer's epsilon, against division by 0.")
    rescale_grad = float_param(
        "rescale_grad", "Gradients are multiplied by this before each update (1/batch size)."
    )
    bias_lr = _rate("bias_lr", "Learning rate of the bias term.")
    linear_lr = _rate("linear_lr", "Learning rate of the linear terms.")
    factors_lr = _rate("factors_lr", "Learning rate of the factorization terms.")
    bias_wd = _rate("bias_wd", "Weight decay of the bias term.")
    linear_wd = _rate("linear_wd", "Weight decay of the linear terms.")
    factors_wd = _rate("factors_wd", "Weight decay of the factorization terms.")
    bias_init_method = choice_param("bias_init_method", "Bias initialisation.", INIT_METHODS)
    bias_init_scale = _rate("bias_init_scale", "uniform bias initialisation range.")
    bias_init_sigma = _rate("bias_init_sigma", "normal bias initialisation deviation.")
    bias_init_value = float_param("bias_init_value", "constant bias initialisation value.")
    linear_init_method = choice_param(
        "linear_init_method", "Linear terms' initialisation.", INIT_METHODS
    )
    linear_init_scale = _rate("linear_init_scale", "uniform linear initialisation range.")
    linear_init_sigma = _rate("linear_init_sigma", "normal linear initialisation deviation.")
    linear_init_value = float_param("linear_init_value", "constant linear initialisation value.")
    factors_init_method = choice_param(
        "factors_init_method", "Factorization terms' initialisation.", INIT_METHODS
    )
    factors_init_scale = _rate("factors_init_scale", "uniform factors initialisation range.")
    factors_init_sigma = _rate("factors_init_sigma", "normal factors initialisation deviation.")
    factors_init_value = float_param("factors_init_value", "constant factors initialisation value.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._setDefault(predictor_type=self.predictor_type_value)


class FactorizationMachinesBinaryClassifier(FactorizationMachinesSageMakerEstimator):
    """Binary classification (labels 0 and 1): ``score`` and ``predicted_label``."""

    predictor_type_value: ClassVar[str] = "binary_classifier"

    @classmethod
    def default_deserializer(cls) -> ResponseRowDeserializer:
        return FactorizationMachinesBinaryClassifierDeserializer()


class FactorizationMachinesRegressor(FactorizationMachinesSageMakerEstimator):
    """Regression: ``score``."""

    predictor_type_value: ClassVar[str] = "regressor"

    @classmethod
    def default_deserializer(cls) -> ResponseRowDeserializer:
        return FactorizationMachinesRegressorDeserializer()


# setNumFactors, setEpochs, setClipGradient, setEps, setRescaleGrad, setBiasLr, ...,
# setFactorsInitValue and their getters; predictor_type is fixed by the class.
add_accessors(FactorizationMachinesSageMakerEstimator, skip=("predictor_type",))
