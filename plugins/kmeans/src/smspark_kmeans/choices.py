"""The values SageMaker's k-means accepts for its choice hyperparameters, in one place: the
estimator's Params and the local image's parser both read them, so the two cannot disagree.
Imports nothing, so the estimator loads without the local image's numpy and scipy."""

INIT_METHODS = ("random", "kmeans++")
EVAL_METRICS = ("msd", "ssd")
