"""The values SageMaker's PCA accepts for its choice hyperparameters, in one place: the
estimator's Params and the local image's parser both read them, so the two cannot disagree.
Imports nothing, so the estimator loads without the local image's numpy and scipy."""

ALGORITHM_MODES = ("regular", "stable", "randomized")
