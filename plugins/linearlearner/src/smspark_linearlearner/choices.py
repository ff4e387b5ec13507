"""The values SageMaker's Linear Learner accepts for its choice hyperparameters, in one place:
the estimator's Params and the local image's parser both read them, so the two cannot
disagree. Imports nothing, so the estimator loads without the local image's numpy."""

PREDICTOR_TYPES = ("binary_classifier", "multiclass_classifier", "regressor")
LOSSES = (
    "logistic", "squared_loss", "absolute_loss", "hinge_loss", "eps_insensitive_squared_loss",
    "eps_insensitive_absolute_loss", "quantile_loss", "huber_loss", "softmax_loss", "auto",
)  # fmt: skip
# binary_classifier_model_selection_criteria
CRITERIA = (
    "accuracy", "f1", "f_beta", "precision_at_target_recall", "recall_at_target_precision",
    "cross_entropy_loss", "loss_function",
)  # fmt: skip
