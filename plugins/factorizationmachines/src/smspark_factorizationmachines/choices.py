"""The values SageMaker's Factorization Machines accepts for its choice hyperparameters, in
one place: the estimator's Params and the local image's parser both read them, so the two
cannot disagree. Imports nothing, so the estimator loads without the local image's numpy."""

PREDICTOR_TYPES = ("binary_classifier", "regressor")
INIT_METHODS = ("normal", "uniform", "constant")
