"""What SageMaker Random Cut Forest accepts for its hyperparameters, in one place: the
estimator's Params and the local image's parser both read them, so the two cannot disagree.
Imports nothing, so the estimator loads without the local image's numpy and scipy.

Sources: AWS, *RCF Hyperparameters*; the SageMaker Python SDK's
``sagemaker/amazon/randomcutforest.py`` (see the plugin's README)."""

EVAL_METRICS = ("accuracy", "precision_recall_fscore")
# The SDK's RandomCutForest.MINI_BATCH_SIZE: the only value it sends (it refuses any other).
MINI_BATCH_SIZE = 1000
# name -> (service default, lowest, highest); feature_dim has no default (required).
RANGES: dict[str, tuple[int | None, int, int]] = {
    "feature_dim": (None, 1, 10_000),
    "num_samples_per_tree": (256, 1, 2048),
    "num_trees": (100, 50, 1000),
}
