"""The three Linear Learner estimators, with the original's constructors and Params.

Every Param is named by its hyperparameter key, with the original's accessors
(``setEpochs``, ``setUseBias``, ``setBinaryClassifierModelSelectionCriteria``, ...).
Boolean hyperparameters take Python booleans as well as ``'True'``/``'False'``; the
``auto``-or-number ones take numbers or ``'auto'``. ``predictor_type`` is fixed per class
and sent; ``mini_batch_size`` defaults to 1000.
"""

from __future__ import annotations

from typing import Any, ClassVar

from smspark_core.algorithms.estimator import AmazonAlgorithmEstimator
from smspark_core.algorithms.images import FIRST_PARTY_ACCOUNTS
from smspark_core.algorithms.params import (
    add_accessors,
    auto_or_number_param,
    bool_param,
    choice_param,
    float_param,
    int_param,
)
from smspark_core.transformation.deserializers import ResponseRowDeserializer
from smspark_linearlearner.deserializers import (
    LinearLearnerBinaryClassifierProtobufResponseRowDeserializer,
    LinearLearnerMultiClassClassifierProtobufResponseRowDeserializer,
    LinearLearnerRegressorProtobufResponseRowDeserializer,
)

LOSSES = (
    "logistic", "squared_loss", "absolute_loss", "hinge_loss", "eps_insensitive_squared_loss",
    "eps_insensitive_absolute_loss", "quantile_loss", "huber_loss", "softmax_loss", "auto",
)  # fmt: skip
CRITERIA = (
    "accuracy", "f1", "f_beta", "precision_at_target_recall", "recall_at_target_precision",
    "cross_entropy_loss", "loss_function",
)  # fmt: skip

# The original's accessor names where they are not the CamelCase of the key.
_ACCESSORS = {
    "beta_1": "Beta1",
    "beta_2": "Beta2",
    "l1": "L1",
    "wd": "Wd",
    "balance_multiclass_weights": "BalanceMultiClassWeights",
}
# Where the checks are the service's (and the Scala original's) rather than its Python's.
_DIFFERENCES = {
    "target_recall": "0 and 1 are refused, as SageMaker refuses them (sagemaker_pyspark "
    "allowed [0, 1]).",
    "target_precision": "0 and 1 are refused, as SageMaker refuses them (sagemaker_pyspark "
    "allowed [0, 1]).",
    "balance_multiclass_weights": "The value is checked (sagemaker_pyspark checked none and "
    "sent any string); a value that is neither a bool nor a string still raises TypeError, as "
    "its string converter did.",
}


class LinearLearnerSageMakerEstimator(AmazonAlgorithmEstimator):
    """The shared base of the three Linear Learner estimators (image ``linear-learner:1``)."""

    image_repository: ClassVar[str] = "linear-learner"
    registry_accounts = FIRST_PARTY_ACCOUNTS
    required_params: ClassVar[tuple[str, ...]] = (
        "feature_dim",
        "predictor_type",
        "mini_batch_size",
    )
    predictor_type_value: ClassVar[str]

    epochs = int_param("epochs", "Passes over the training data.", low=1)
    predictor_type = choice_param(
        "predictor_type",
        "Fixed by the estimator class.",
        ("binary_classifier", "multiclass_classifier", "regressor"),
    )
    use_bias = bool_param("use_bias", "Whether the model has a bias term.")
    num_models = auto_or_number_param("num_models", "Models trained in parallel.", 1, integer=True)
    num_calibration_samples = int_param(
        "num_calibration_samples", "Rows used to calibrate the threshold.", low=1
    )
    init_method = choice_param("init_method", "Weight initialisation.", ("uniform", "normal"))
    init_scale = float_param("init_scale", "Range of uniform initialisation.", 0.0, low_open=True)
    init_sigma = float_param(
        "init_sigma", "Deviation of normal initialisation.", 0.0, low_open=True
    )
    init_bias = float_param("init_bias", "Initial bias.")
    optimizer = choice_param("optimizer", "The optimiser.", ("sgd", "adam", "rmsprop", "auto"))
    loss = choice_param("loss", "The loss function.", LOSSES)
    wd = float_param("wd", "L2 regularization.", 0.0)
    l1 = float_param("l1", "L1 regularization.", 0.0)
    momentum = float_param("momentum", "sgd momentum.", 0.0, 1.0, high_open=True)
    learning_rate = auto_or_number_param(
        "learning_rate", "Step size ('auto' or > 0).", 0.0, low_open=True
    )
    beta_1 = float_param("beta_1", "adam: first-moment decay.", 0.0, 1.0, high_open=True)
    beta_2 = float_param("beta_2", "adam: second-moment decay.", 0.0, 1.0, high_open=True)
    bias_lr_mult = float_param("bias_lr_mult", "Bias learning-rate multiplier.", 0.0, low_open=True)
    bias_wd_mult = float_param("bias_wd_mult", "Bias L2 multiplier.", 0.0)
    use_lr_scheduler = bool_param("use_lr_scheduler", "Whether the learning rate decays.")
    lr_scheduler_step = int_param(
        "lr_scheduler_step", "Updates between decays.", low=0, low_open=True
    )
    lr_scheduler_factor = float_param(
        "lr_scheduler_factor", "Decay factor.", 0.0, 1.0, low_open=True, high_open=True
    )
    lr_scheduler_minimum_lr = float_param(
        "lr_scheduler_minimum_lr", "Floor of the learning rate.", 0.0, low_open=True
    )
    normalize_data = bool_param("normalize_data", "Scale the features before training.")
    normalize_label = bool_param("normalize_label", "Scale a regressor's label.")
    unbias_data = bool_param("unbias_data", "Centre the features.")
    unbias_label = bool_param("unbias_label", "Centre a regressor's label.")
    num_point_for_scaler = int_param(
        "num_point_for_scaler", "Rows used to estimate the scaling.", low=0, low_open=True
    )
    early_stopping_patience = int_param(
        "early_stopping_patience",
        "Epochs without improvement before stopping.",
        low=0,
        low_open=True,
    )
    early_stopping_tolerance = float_param(
        "early_stopping_tolerance", "Relative improvement that counts.", 0.0, low_open=True
    )
    margin = float_param("margin", "hinge_loss margin.", 0.0, low_open=True)
    quantile = float_param(
        "quantile", "quantile_loss quantile.", 0.0, 1.0, low_open=True, high_open=True
    )
    loss_insensitivity = float_param(
        "loss_insensitivity", "eps_insensitive_* epsilon.", 0.0, low_open=True
    )
    huber_delta = float_param("huber_delta", "huber_loss delta.", 0.0, low_open=True)
    f_beta = float_param("f_beta", "beta of the f_beta criterion.", 0.0, low_open=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._setDefault(mini_batch_size=1000, predictor_type=self.predictor_type_value)


class LinearLearnerBinaryClassifier(LinearLearnerSageMakerEstimator):
    """Binary classification (labels 0 and 1): ``score`` and ``predicted_label``."""

    predictor_type_value: ClassVar[str] = "binary_classifier"

    binary_classifier_model_selection_criteria = choice_param(
        "binary_classifier_model_selection_criteria",
        "How the best model and its threshold are chosen.",
        CRITERIA,
    )
    target_recall = float_param(
        "target_recall", "precision_at_target_recall: the recall to reach.", 0.0, 1.0,
        low_open=True, high_open=True, original=(0.0, 1.0),
    )  # fmt: skip
    target_precision = float_param(
        "target_precision", "recall_at_target_precision: the precision to reach.", 0.0, 1.0,
        low_open=True, high_open=True, original=(0.0, 1.0),
    )  # fmt: skip
    positive_example_weight_mult = auto_or_number_param(
        "positive_example_weight_mult",
        "Weight of positive examples: a number, 'balanced' or 'auto'.",
        0.0,
        low_open=True,
        words=("auto", "balanced"),
    )

    @classmethod
    def default_deserializer(cls) -> ResponseRowDeserializer:
        return LinearLearnerBinaryClassifierProtobufResponseRowDeserializer()


class LinearLearnerMultiClassClassifier(LinearLearnerSageMakerEstimator):
    """Multiclass classification (labels 0..num_classes-1): a ``score`` vector of class
    probabilities and ``predicted_label``."""

    predictor_type_value: ClassVar[str] = "multiclass_classifier"
    required_params: ClassVar[tuple[str, ...]] = (
        "feature_dim", "predictor_type", "mini_batch_size", "num_classes"
    )  # fmt: skip

    num_classes = int_param("num_classes", "The number of classes.", 3, 1_000_000)
    accuracy_top_k = int_param(
        "accuracy_top_k", "k of the top-k accuracy metric.", low=0, low_open=True
    )
    balance_multiclass_weights = bool_param(
        "balance_multiclass_weights", "Weight classes to count equally.", not_text=TypeError
    )

    @classmethod
    def default_deserializer(cls) -> ResponseRowDeserializer:
        return LinearLearnerMultiClassClassifierProtobufResponseRowDeserializer()


class LinearLearnerRegressor(LinearLearnerSageMakerEstimator):
    """Regression: ``score``."""

    predictor_type_value: ClassVar[str] = "regressor"

    @classmethod
    def default_deserializer(cls) -> ResponseRowDeserializer:
        return LinearLearnerRegressorProtobufResponseRowDeserializer()


for _estimator in (
    LinearLearnerSageMakerEstimator,
    LinearLearnerBinaryClassifier,
    LinearLearnerMultiClassClassifier,
):
    add_accessors(_estimator, _ACCESSORS, skip=("predictor_type",), differences=_DIFFERENCES)
