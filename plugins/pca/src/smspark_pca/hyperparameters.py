"""SageMaker PCA's hyperparameters, declared once: the estimator's Params and the local
image's parser are both made from this table, so the two cannot disagree. Imports no numpy,
so the estimator loads without the local image's dependencies."""

from __future__ import annotations

from smspark_core.codecs.hyperparameter_table import (
    FEATURE_DIM,
    MINI_BATCH_SIZE,
    REQUIRED,
    Boolean,
    Choice,
    HyperparameterTable,
    Integer,
)

# The service documents regular and randomized; sagemaker_pyspark's setter took stable too,
# which the local image trains as regular.
ALGORITHM_MODES = ("regular", "stable", "randomized")

HYPERPARAMETERS = HyperparameterTable(
    [
        FEATURE_DIM,
        MINI_BATCH_SIZE,  # required by the service too; the estimator sends 1000 by default
        Integer("num_components", "The number of principal components.", REQUIRED, low=1),
        Choice(
            "algorithm_mode",
            "regular (exact), randomized (for very many features), or stable (as regular).",
            "regular",
            ALGORITHM_MODES,
        ),
        Boolean("subtract_mean", "Whether to centre the data first.", True),
        # The service documents "-1 or a non-negative integer"; sagemaker_pyspark's setter
        # refused 0 ("== -1 or > 0"), and so do the estimator and the local image.
        Integer(
            "extra_components",
            "Extra directions of the randomized mode's sketch; -1 means max(10, num_components).",
            -1,
            low=1,
            also=(-1,),
        ),
    ]
)
