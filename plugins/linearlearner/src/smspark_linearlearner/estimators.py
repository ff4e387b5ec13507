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
from smspark_core.algorithms.params import hyperparameter_param
from smspark_core.transformation.deserializers import ResponseRowDeserializer
from smspark_linearlearner.deserializers import (
    LinearLearnerBinaryClassifierProtobufResponseRowDeserializer,
    LinearLearnerMultiClassClassifierProtobufResponseRowDeserializer,
    LinearLearnerRegressorProtobufResponseRowDeserializer,
)
from smspark_linearlearner.hyperparameters import HYPERPARAMETERS

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

    accessor_names: ClassVar[dict[str, str]] = _ACCESSORS
    accessor_skip: ClassVar[tuple[str, ...]] = ("predictor_type",)  # fixed by the class
    accessor_notes: ClassVar[dict[str, str]] = _DIFFERENCES

    image_repository: ClassVar[str] = "linear-learner"
    registry_accounts = FIRST_PARTY_ACCOUNTS
    required_params: ClassVar[tuple[str, ...]] = (
        "feature_dim",
        "predictor_type",
        "mini_batch_size",
    )
    predictor_type_value: ClassVar[str]

    epochs = hyperparameter_param(HYPERPARAMETERS["epochs"])
    predictor_type = hyperparameter_param(HYPERPARAMETERS["predictor_type"])
    use_bias = hyperparameter_param(HYPERPARAMETERS["use_bias"])
    num_models = hyperparameter_param(HYPERPARAMETERS["num_models"])
    num_calibration_samples = hyperparameter_param(HYPERPARAMETERS["num_calibration_samples"])
    init_method = hyperparameter_param(HYPERPARAMETERS["init_method"])
    init_scale = hyperparameter_param(HYPERPARAMETERS["init_scale"])
    init_sigma = hyperparameter_param(HYPERPARAMETERS["init_sigma"])
    init_bias = hyperparameter_param(HYPERPARAMETERS["init_bias"])
    optimizer = hyperparameter_param(HYPERPARAMETERS["optimizer"])
    loss = hyperparameter_param(HYPERPARAMETERS["loss"])
    wd = hyperparameter_param(HYPERPARAMETERS["wd"])
    l1 = hyperparameter_param(HYPERPARAMETERS["l1"])
    momentum = hyperparameter_param(HYPERPARAMETERS["momentum"])
    learning_rate = hyperparameter_param(HYPERPARAMETERS["learning_rate"])
    beta_1 = hyperparameter_param(HYPERPARAMETERS["beta_1"])
    beta_2 = hyperparameter_param(HYPERPARAMETERS["beta_2"])
    bias_lr_mult = hyperparameter_param(HYPERPARAMETERS["bias_lr_mult"])
    bias_wd_mult = hyperparameter_param(HYPERPARAMETERS["bias_wd_mult"])
    use_lr_scheduler = hyperparameter_param(HYPERPARAMETERS["use_lr_scheduler"])
    lr_scheduler_step = hyperparameter_param(HYPERPARAMETERS["lr_scheduler_step"])
    lr_scheduler_factor = hyperparameter_param(HYPERPARAMETERS["lr_scheduler_factor"])
    lr_scheduler_minimum_lr = hyperparameter_param(HYPERPARAMETERS["lr_scheduler_minimum_lr"])
    normalize_data = hyperparameter_param(HYPERPARAMETERS["normalize_data"])
    normalize_label = hyperparameter_param(HYPERPARAMETERS["normalize_label"])
    unbias_data = hyperparameter_param(HYPERPARAMETERS["unbias_data"])
    unbias_label = hyperparameter_param(HYPERPARAMETERS["unbias_label"])
    num_point_for_scaler = hyperparameter_param(HYPERPARAMETERS["num_point_for_scaler"])
    early_stopping_patience = hyperparameter_param(HYPERPARAMETERS["early_stopping_patience"])
    early_stopping_tolerance = hyperparameter_param(HYPERPARAMETERS["early_stopping_tolerance"])
    margin = hyperparameter_param(HYPERPARAMETERS["margin"])
    quantile = hyperparameter_param(HYPERPARAMETERS["quantile"])
    loss_insensitivity = hyperparameter_param(HYPERPARAMETERS["loss_insensitivity"])
    huber_delta = hyperparameter_param(HYPERPARAMETERS["huber_delta"])
    f_beta = hyperparameter_param(HYPERPARAMETERS["f_beta"])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._setDefault(mini_batch_size=1000, predictor_type=self.predictor_type_value)

    # Accessors generated by `python -m smspark_core.accessor_codegen --in-place`.

    def setEpochs(self, value: int) -> LinearLearnerSageMakerEstimator:
        """Sets the ``epochs`` hyperparameter. Passes over the training data. Allowed: an integer
        >= 1."""
        return self._set(epochs=value)

    def getEpochs(self) -> int:
        """The ``epochs`` hyperparameter."""
        return self._hyperparameter(self.epochs, "setEpochs")

    def setUseBias(self, value: bool) -> LinearLearnerSageMakerEstimator:
        """Sets the ``use_bias`` hyperparameter. Whether the model has a bias term. Allowed: True
        or False.

        Unlike sagemaker_pyspark: Takes True/False as well as 'True'/'False' (sagemaker_pyspark
        took only the strings); the getter returns a bool, as sagemaker_pyspark's did."""
        return self._set(use_bias=value)

    def getUseBias(self) -> bool:
        """The ``use_bias`` hyperparameter."""
        return self._hyperparameter(self.use_bias, "setUseBias")

    def setNumModels(self, value: str) -> LinearLearnerSageMakerEstimator:
        """Sets the ``num_models`` hyperparameter. Models trained in parallel. Allowed: 'auto' or
        an integer >= 1.

        Unlike sagemaker_pyspark: True/False are refused (sagemaker_pyspark sent 'True' to the
        algorithm). A fraction (1.5) is refused before any AWS call: sagemaker_pyspark passed it
        on, and the algorithm, which takes an integer, failed the training job."""
        return self._set(num_models=value)

    def getNumModels(self) -> str:
        """The ``num_models`` hyperparameter."""
        return self._hyperparameter(self.num_models, "setNumModels")

    def setNumCalibrationSamples(self, value: int) -> LinearLearnerSageMakerEstimator:
        """Sets the ``num_calibration_samples`` hyperparameter. Rows used to calibrate the
        threshold. Allowed: an integer >= 1."""
        return self._set(num_calibration_samples=value)

    def getNumCalibrationSamples(self) -> int:
        """The ``num_calibration_samples`` hyperparameter."""
        return self._hyperparameter(self.num_calibration_samples, "setNumCalibrationSamples")

    def setInitMethod(self, value: str) -> LinearLearnerSageMakerEstimator:
        """Sets the ``init_method`` hyperparameter. Weight initialisation. Allowed: one of
        uniform, normal."""
        return self._set(init_method=value)

    def getInitMethod(self) -> str:
        """The ``init_method`` hyperparameter."""
        return self._hyperparameter(self.init_method, "setInitMethod")

    def setInitScale(self, value: float) -> LinearLearnerSageMakerEstimator:
        """Sets the ``init_scale`` hyperparameter. Range of uniform initialisation. Allowed: a
        number > 0."""
        return self._set(init_scale=value)

    def getInitScale(self) -> float:
        """The ``init_scale`` hyperparameter."""
        return self._hyperparameter(self.init_scale, "setInitScale")

    def setInitSigma(self, value: float) -> LinearLearnerSageMakerEstimator:
        """Sets the ``init_sigma`` hyperparameter. Deviation of normal initialisation. Allowed: a
        number > 0."""
        return self._set(init_sigma=value)

    def getInitSigma(self) -> float:
        """The ``init_sigma`` hyperparameter."""
        return self._hyperparameter(self.init_sigma, "setInitSigma")

    def setInitBias(self, value: float) -> LinearLearnerSageMakerEstimator:
        """Sets the ``init_bias`` hyperparameter. Initial bias. Allowed: a number any number."""
        return self._set(init_bias=value)

    def getInitBias(self) -> float:
        """The ``init_bias`` hyperparameter."""
        return self._hyperparameter(self.init_bias, "setInitBias")

    def setOptimizer(self, value: str) -> LinearLearnerSageMakerEstimator:
        """Sets the ``optimizer`` hyperparameter. The optimiser. Allowed: one of sgd, adam,
        rmsprop, auto."""
        return self._set(optimizer=value)

    def getOptimizer(self) -> str:
        """The ``optimizer`` hyperparameter."""
        return self._hyperparameter(self.optimizer, "setOptimizer")

    def setLoss(self, value: str) -> LinearLearnerSageMakerEstimator:
        """Sets the ``loss`` hyperparameter. The loss function. Allowed: one of logistic,
        squared_loss, absolute_loss, hinge_loss, eps_insensitive_squared_loss,
        eps_insensitive_absolute_loss, quantile_loss, huber_loss, softmax_loss, auto."""
        return self._set(loss=value)

    def getLoss(self) -> str:
        """The ``loss`` hyperparameter."""
        return self._hyperparameter(self.loss, "setLoss")

    def setWd(self, value: float) -> LinearLearnerSageMakerEstimator:
        """Sets the ``wd`` hyperparameter. L2 regularization. Allowed: a number >= 0."""
        return self._set(wd=value)

    def getWd(self) -> float:
        """The ``wd`` hyperparameter."""
        return self._hyperparameter(self.wd, "setWd")

    def setL1(self, value: float) -> LinearLearnerSageMakerEstimator:
        """Sets the ``l1`` hyperparameter. L1 regularization. Allowed: a number >= 0."""
        return self._set(l1=value)

    def getL1(self) -> float:
        """The ``l1`` hyperparameter."""
        return self._hyperparameter(self.l1, "setL1")

    def setMomentum(self, value: float) -> LinearLearnerSageMakerEstimator:
        """Sets the ``momentum`` hyperparameter. sgd momentum. Allowed: a number >= 0 and < 1."""
        return self._set(momentum=value)

    def getMomentum(self) -> float:
        """The ``momentum`` hyperparameter."""
        return self._hyperparameter(self.momentum, "setMomentum")

    def setLearningRate(self, value: str) -> LinearLearnerSageMakerEstimator:
        """Sets the ``learning_rate`` hyperparameter. Step size ('auto' or > 0). Allowed: 'auto'
        or a number > 0.

        Unlike sagemaker_pyspark: True/False are refused (sagemaker_pyspark sent 'True' to the
        algorithm)."""
        return self._set(learning_rate=value)

    def getLearningRate(self) -> str:
        """The ``learning_rate`` hyperparameter."""
        return self._hyperparameter(self.learning_rate, "setLearningRate")

    def setBeta1(self, value: float) -> LinearLearnerSageMakerEstimator:
        """Sets the ``beta_1`` hyperparameter. adam: first-moment decay. Allowed: a number >= 0
        and < 1."""
        return self._set(beta_1=value)

    def getBeta1(self) -> float:
        """The ``beta_1`` hyperparameter."""
        return self._hyperparameter(self.beta_1, "setBeta1")

    def setBeta2(self, value: float) -> LinearLearnerSageMakerEstimator:
        """Sets the ``beta_2`` hyperparameter. adam: second-moment decay. Allowed: a number >= 0
        and < 1."""
        return self._set(beta_2=value)

    def getBeta2(self) -> float:
        """The ``beta_2`` hyperparameter."""
        return self._hyperparameter(self.beta_2, "setBeta2")

    def setBiasLrMult(self, value: float) -> LinearLearnerSageMakerEstimator:
        """Sets the ``bias_lr_mult`` hyperparameter. Bias learning-rate multiplier. Allowed: a
        number > 0."""
        return self._set(bias_lr_mult=value)

    def getBiasLrMult(self) -> float:
        """The ``bias_lr_mult`` hyperparameter."""
        return self._hyperparameter(self.bias_lr_mult, "setBiasLrMult")

    def setBiasWdMult(self, value: float) -> LinearLearnerSageMakerEstimator:
        """Sets the ``bias_wd_mult`` hyperparameter. Bias L2 multiplier. Allowed: a number >= 0."""
        return self._set(bias_wd_mult=value)

    def getBiasWdMult(self) -> float:
        """The ``bias_wd_mult`` hyperparameter."""
        return self._hyperparameter(self.bias_wd_mult, "setBiasWdMult")

    def setUseLrScheduler(self, value: bool) -> LinearLearnerSageMakerEstimator:
        """Sets the ``use_lr_scheduler`` hyperparameter. Whether the learning rate decays.
        Allowed: True or False.

        Unlike sagemaker_pyspark: Takes True/False as well as 'True'/'False' (sagemaker_pyspark
        took only the strings); the getter returns a bool, as sagemaker_pyspark's did."""
        return self._set(use_lr_scheduler=value)

    def getUseLrScheduler(self) -> bool:
        """The ``use_lr_scheduler`` hyperparameter."""
        return self._hyperparameter(self.use_lr_scheduler, "setUseLrScheduler")

    def setLrSchedulerStep(self, value: int) -> LinearLearnerSageMakerEstimator:
        """Sets the ``lr_scheduler_step`` hyperparameter. Updates between decays. Allowed: an
        integer > 0."""
        return self._set(lr_scheduler_step=value)

    def getLrSchedulerStep(self) -> int:
        """The ``lr_scheduler_step`` hyperparameter."""
        return self._hyperparameter(self.lr_scheduler_step, "setLrSchedulerStep")

    def setLrSchedulerFactor(self, value: float) -> LinearLearnerSageMakerEstimator:
        """Sets the ``lr_scheduler_factor`` hyperparameter. Decay factor. Allowed: a number > 0
        and < 1."""
        return self._set(lr_scheduler_factor=value)

    def getLrSchedulerFactor(self) -> float:
        """The ``lr_scheduler_factor`` hyperparameter."""
        return self._hyperparameter(self.lr_scheduler_factor, "setLrSchedulerFactor")

    def setLrSchedulerMinimumLr(self, value: float) -> LinearLearnerSageMakerEstimator:
        """Sets the ``lr_scheduler_minimum_lr`` hyperparameter. Floor of the learning rate.
        Allowed: a number > 0."""
        return self._set(lr_scheduler_minimum_lr=value)

    def getLrSchedulerMinimumLr(self) -> float:
        """The ``lr_scheduler_minimum_lr`` hyperparameter."""
        return self._hyperparameter(self.lr_scheduler_minimum_lr, "setLrSchedulerMinimumLr")

    def setNormalizeData(self, value: bool) -> LinearLearnerSageMakerEstimator:
        """Sets the ``normalize_data`` hyperparameter. Scale the features before training.
        Allowed: True or False.

        Unlike sagemaker_pyspark: Takes True/False as well as 'True'/'False' (sagemaker_pyspark
        took only the strings); the getter returns a bool, as sagemaker_pyspark's did."""
        return self._set(normalize_data=value)

    def getNormalizeData(self) -> bool:
        """The ``normalize_data`` hyperparameter."""
        return self._hyperparameter(self.normalize_data, "setNormalizeData")

    def setNormalizeLabel(self, value: bool) -> LinearLearnerSageMakerEstimator:
        """Sets the ``normalize_label`` hyperparameter. Scale a regressor's label. Allowed: True
        or False.

        Unlike sagemaker_pyspark: Takes True/False as well as 'True'/'False' (sagemaker_pyspark
        took only the strings); the getter returns a bool, as sagemaker_pyspark's did."""
        return self._set(normalize_label=value)

    def getNormalizeLabel(self) -> bool:
        """The ``normalize_label`` hyperparameter."""
        return self._hyperparameter(self.normalize_label, "setNormalizeLabel")

    def setUnbiasData(self, value: bool) -> LinearLearnerSageMakerEstimator:
        """Sets the ``unbias_data`` hyperparameter. Centre the features. Allowed: True or False.

        Unlike sagemaker_pyspark: Takes True/False as well as 'True'/'False' (sagemaker_pyspark
        took only the strings); the getter returns a bool, as sagemaker_pyspark's did."""
        return self._set(unbias_data=value)

    def getUnbiasData(self) -> bool:
        """The ``unbias_data`` hyperparameter."""
        return self._hyperparameter(self.unbias_data, "setUnbiasData")

    def setUnbiasLabel(self, value: bool) -> LinearLearnerSageMakerEstimator:
        """Sets the ``unbias_label`` hyperparameter. Centre a regressor's label. Allowed: True or
        False.

        Unlike sagemaker_pyspark: Takes True/False as well as 'True'/'False' (sagemaker_pyspark
        took only the strings); the getter returns a bool, as sagemaker_pyspark's did."""
        return self._set(unbias_label=value)

    def getUnbiasLabel(self) -> bool:
        """The ``unbias_label`` hyperparameter."""
        return self._hyperparameter(self.unbias_label, "setUnbiasLabel")

    def setNumPointForScaler(self, value: int) -> LinearLearnerSageMakerEstimator:
        """Sets the ``num_point_for_scaler`` hyperparameter. Rows used to estimate the scaling.
        Allowed: an integer > 0."""
        return self._set(num_point_for_scaler=value)

    def getNumPointForScaler(self) -> int:
        """The ``num_point_for_scaler`` hyperparameter."""
        return self._hyperparameter(self.num_point_for_scaler, "setNumPointForScaler")

    def setEarlyStoppingPatience(self, value: int) -> LinearLearnerSageMakerEstimator:
        """Sets the ``early_stopping_patience`` hyperparameter. Epochs without improvement before
        stopping. Allowed: an integer > 0."""
        return self._set(early_stopping_patience=value)

    def getEarlyStoppingPatience(self) -> int:
        """The ``early_stopping_patience`` hyperparameter."""
        return self._hyperparameter(self.early_stopping_patience, "setEarlyStoppingPatience")

    def setEarlyStoppingTolerance(self, value: float) -> LinearLearnerSageMakerEstimator:
        """Sets the ``early_stopping_tolerance`` hyperparameter. Relative improvement that
        counts. Allowed: a number > 0."""
        return self._set(early_stopping_tolerance=value)

    def getEarlyStoppingTolerance(self) -> float:
        """The ``early_stopping_tolerance`` hyperparameter."""
        return self._hyperparameter(self.early_stopping_tolerance, "setEarlyStoppingTolerance")

    def setMargin(self, value: float) -> LinearLearnerSageMakerEstimator:
        """Sets the ``margin`` hyperparameter. hinge_loss margin. Allowed: a number > 0."""
        return self._set(margin=value)

    def getMargin(self) -> float:
        """The ``margin`` hyperparameter."""
        return self._hyperparameter(self.margin, "setMargin")

    def setQuantile(self, value: float) -> LinearLearnerSageMakerEstimator:
        """Sets the ``quantile`` hyperparameter. quantile_loss quantile. Allowed: a number > 0
        and < 1."""
        return self._set(quantile=value)

    def getQuantile(self) -> float:
        """The ``quantile`` hyperparameter."""
        return self._hyperparameter(self.quantile, "setQuantile")

    def setLossInsensitivity(self, value: float) -> LinearLearnerSageMakerEstimator:
        """Sets the ``loss_insensitivity`` hyperparameter. eps_insensitive_* epsilon. Allowed: a
        number > 0."""
        return self._set(loss_insensitivity=value)

    def getLossInsensitivity(self) -> float:
        """The ``loss_insensitivity`` hyperparameter."""
        return self._hyperparameter(self.loss_insensitivity, "setLossInsensitivity")

    def setHuberDelta(self, value: float) -> LinearLearnerSageMakerEstimator:
        """Sets the ``huber_delta`` hyperparameter. huber_loss delta. Allowed: a number > 0."""
        return self._set(huber_delta=value)

    def getHuberDelta(self) -> float:
        """The ``huber_delta`` hyperparameter."""
        return self._hyperparameter(self.huber_delta, "setHuberDelta")

    def setFBeta(self, value: float) -> LinearLearnerSageMakerEstimator:
        """Sets the ``f_beta`` hyperparameter. beta of the f_beta criterion. Allowed: a number >
        0."""
        return self._set(f_beta=value)

    def getFBeta(self) -> float:
        """The ``f_beta`` hyperparameter."""
        return self._hyperparameter(self.f_beta, "setFBeta")

    # End of the generated accessors.


class LinearLearnerBinaryClassifier(LinearLearnerSageMakerEstimator):
    """Binary classification (labels 0 and 1): ``score`` and ``predicted_label``."""

    predictor_type_value: ClassVar[str] = "binary_classifier"

    binary_classifier_model_selection_criteria = hyperparameter_param(
        HYPERPARAMETERS["binary_classifier_model_selection_criteria"]
    )
    target_recall = hyperparameter_param(HYPERPARAMETERS["target_recall"])
    target_precision = hyperparameter_param(HYPERPARAMETERS["target_precision"])
    positive_example_weight_mult = hyperparameter_param(
        HYPERPARAMETERS["positive_example_weight_mult"]
    )

    @classmethod
    def default_deserializer(cls) -> ResponseRowDeserializer:
        return LinearLearnerBinaryClassifierProtobufResponseRowDeserializer()

    # Accessors generated by `python -m smspark_core.accessor_codegen --in-place`.

    def setBinaryClassifierModelSelectionCriteria(
        self, value: str
    ) -> LinearLearnerBinaryClassifier:
        """Sets the ``binary_classifier_model_selection_criteria`` hyperparameter. How the best
        model and its threshold are chosen. Allowed: one of accuracy, f1, f_beta,
        precision_at_target_recall, recall_at_target_precision, cross_entropy_loss,
        loss_function."""
        return self._set(binary_classifier_model_selection_criteria=value)

    def getBinaryClassifierModelSelectionCriteria(self) -> str:
        """The ``binary_classifier_model_selection_criteria`` hyperparameter."""
        return self._hyperparameter(
            self.binary_classifier_model_selection_criteria,
            "setBinaryClassifierModelSelectionCriteria",
        )

    def setTargetRecall(self, value: float) -> LinearLearnerBinaryClassifier:
        """Sets the ``target_recall`` hyperparameter. precision_at_target_recall: the recall to
        reach. Allowed: a number > 0 and < 1.

        Unlike sagemaker_pyspark: 0 and 1 are refused, as SageMaker refuses them
        (sagemaker_pyspark allowed [0, 1])."""
        return self._set(target_recall=value)

    def getTargetRecall(self) -> float:
        """The ``target_recall`` hyperparameter."""
        return self._hyperparameter(self.target_recall, "setTargetRecall")

    def setTargetPrecision(self, value: float) -> LinearLearnerBinaryClassifier:
        """Sets the ``target_precision`` hyperparameter. recall_at_target_precision: the
        precision to reach. Allowed: a number > 0 and < 1.

        Unlike sagemaker_pyspark: 0 and 1 are refused, as SageMaker refuses them
        (sagemaker_pyspark allowed [0, 1])."""
        return self._set(target_precision=value)

    def getTargetPrecision(self) -> float:
        """The ``target_precision`` hyperparameter."""
        return self._hyperparameter(self.target_precision, "setTargetPrecision")

    def setPositiveExampleWeightMult(self, value: str) -> LinearLearnerBinaryClassifier:
        """Sets the ``positive_example_weight_mult`` hyperparameter. Weight of positive examples:
        a number, 'balanced' or 'auto'. Allowed: 'auto' or 'balanced' or a number > 0.

        Unlike sagemaker_pyspark: True/False are refused (sagemaker_pyspark sent 'True' to the
        algorithm)."""
        return self._set(positive_example_weight_mult=value)

    def getPositiveExampleWeightMult(self) -> str:
        """The ``positive_example_weight_mult`` hyperparameter."""
        return self._hyperparameter(
            self.positive_example_weight_mult, "setPositiveExampleWeightMult"
        )

    # End of the generated accessors.


class LinearLearnerMultiClassClassifier(LinearLearnerSageMakerEstimator):
    """Multiclass classification (labels 0..num_classes-1): a ``score`` vector of class
    probabilities and ``predicted_label``."""

    predictor_type_value: ClassVar[str] = "multiclass_classifier"
    required_params: ClassVar[tuple[str, ...]] = (
        "feature_dim", "predictor_type", "mini_batch_size", "num_classes"
    )  # fmt: skip

    num_classes = hyperparameter_param(HYPERPARAMETERS["num_classes"])
    accuracy_top_k = hyperparameter_param(HYPERPARAMETERS["accuracy_top_k"])
    balance_multiclass_weights = hyperparameter_param(HYPERPARAMETERS["balance_multiclass_weights"])

    @classmethod
    def default_deserializer(cls) -> ResponseRowDeserializer:
        return LinearLearnerMultiClassClassifierProtobufResponseRowDeserializer()

    # Accessors generated by `python -m smspark_core.accessor_codegen --in-place`.

    def setNumClasses(self, value: int) -> LinearLearnerMultiClassClassifier:
        """Sets the ``num_classes`` hyperparameter. The number of classes. Allowed: an integer >=
        3 and <= 1e+06."""
        return self._set(num_classes=value)

    def getNumClasses(self) -> int:
        """The ``num_classes`` hyperparameter."""
        return self._hyperparameter(self.num_classes, "setNumClasses")

    def setAccuracyTopK(self, value: int) -> LinearLearnerMultiClassClassifier:
        """Sets the ``accuracy_top_k`` hyperparameter. k of the top-k accuracy metric. Allowed:
        an integer > 0."""
        return self._set(accuracy_top_k=value)

    def getAccuracyTopK(self) -> int:
        """The ``accuracy_top_k`` hyperparameter."""
        return self._hyperparameter(self.accuracy_top_k, "setAccuracyTopK")

    def setBalanceMultiClassWeights(self, value: bool) -> LinearLearnerMultiClassClassifier:
        """Sets the ``balance_multiclass_weights`` hyperparameter. Weight classes to count
        equally. Allowed: True or False.

        Unlike sagemaker_pyspark: Takes True/False as well as 'True'/'False' (sagemaker_pyspark
        took only the strings); the getter returns a bool, as sagemaker_pyspark's did. The value
        is checked (sagemaker_pyspark checked none and sent any string); a value that is neither
        a bool nor a string still raises TypeError, as its string converter did."""
        return self._set(balance_multiclass_weights=value)

    def getBalanceMultiClassWeights(self) -> bool:
        """The ``balance_multiclass_weights`` hyperparameter."""
        return self._hyperparameter(self.balance_multiclass_weights, "setBalanceMultiClassWeights")

    # End of the generated accessors.


class LinearLearnerRegressor(LinearLearnerSageMakerEstimator):
    """Regression: ``score``."""

    predictor_type_value: ClassVar[str] = "regressor"

    @classmethod
    def default_deserializer(cls) -> ResponseRowDeserializer:
        return LinearLearnerRegressorProtobufResponseRowDeserializer()
