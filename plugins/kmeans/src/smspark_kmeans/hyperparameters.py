"""SageMaker k-means' hyperparameters, declared once: the estimator's Params and the local
image's parser are both made from this table, so the two cannot disagree. Imports no numpy,
so the estimator loads without the local image's dependencies."""

from __future__ import annotations

import dataclasses

from smspark_core.codecs.hyperparameter_table import (
    FEATURE_DIM,
    MINI_BATCH_SIZE,
    REQUIRED,
    AutoOrNumber,
    Choice,
    HyperparameterTable,
    Integer,
    Keywords,
    Number,
)

INIT_METHODS = ("random", "kmeans++")

HYPERPARAMETERS = HyperparameterTable(
    [
        FEATURE_DIM,
        dataclasses.replace(MINI_BATCH_SIZE, default=5000),
        Integer("k", "The number of clusters to find.", REQUIRED, low=2),
        Choice(
            "init_method",
            "How the streaming stage picks its initial centers.",
            "random",
            INIT_METHODS,
        ),
        Integer(
            "local_lloyd_max_iter",
            "Maximum iterations of the final local Lloyd stage.",
            300,
            low=1,
        ),
        Number(
            "local_lloyd_tol",
            "Relative loss change that stops local Lloyd early.",
            0.0001,
            low=0,
            high=1,
        ),
        AutoOrNumber(
            "local_lloyd_num_trials",
            "Local Lloyd restarts; the one with the lowest loss is kept.",
            low=1,
            integer=True,
        ),
        Choice(
            "local_lloyd_init_method",
            "How local Lloyd picks its initial centers.",
            "kmeans++",
            INIT_METHODS,
        ),
        Integer(
            "half_life_time_size",
            "Points after which an earlier point's weight halves while streaming (0: no decay).",
            0,
            low=0,
        ),
        Integer("epochs", "Passes over the training data.", 1, low=1),
        AutoOrNumber(
            "extra_center_factor",
            "Streaming keeps extra_center_factor x k centers, reduced to k at the end.",
            low=1,
            integer=True,
        ),
        Keywords("eval_metrics", "Scores reported for the test channel.", ("msd",), ("msd", "ssd")),
    ]
)
