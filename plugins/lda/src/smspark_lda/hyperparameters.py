"""SageMaker LDA's hyperparameters, declared once: the estimator's Params and the local
image's parser are both made from this table, so the two cannot disagree. Imports no numpy,
so the estimator loads without the local image's dependencies.

Defaults are the service's (AWS, *LDA Hyperparameters*); where the local image, which runs
variational Bayes rather than the service's spectral method, applies its own, its
``container`` says so."""

from __future__ import annotations

from smspark_core.codecs.hyperparameter_table import (
    FEATURE_DIM,
    MINI_BATCH_SIZE,
    REQUIRED,
    HyperparameterTable,
    Integer,
    Number,
)

HYPERPARAMETERS = HyperparameterTable(
    [
        FEATURE_DIM,
        MINI_BATCH_SIZE,
        Integer("num_topics", "The number of topics to find.", REQUIRED, low=1),
        Number(
            "alpha0",
            "The sum of the Dirichlet prior of topic mixtures.",
            1.0,
            low=0,
            low_open=True,
        ),
        Integer("max_restarts", "Restarts of the optimisation.", 10, low=1),
        Integer("max_iterations", "Iterations of the optimisation.", 1000, low=1),
        Number("tol", "Error tolerance of the optimisation.", 1e-8, low=0, low_open=True),
    ]
)
