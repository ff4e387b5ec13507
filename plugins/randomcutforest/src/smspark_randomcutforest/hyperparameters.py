"""SageMaker Random Cut Forest's hyperparameters, declared once: the estimator's Params and
the local image's parser are both made from this table, so the two cannot disagree. Imports
no numpy, so the estimator loads without the local image's dependencies.

Sources: AWS, *RCF Hyperparameters*; the SageMaker Python SDK's
``sagemaker/amazon/randomcutforest.py`` (see the plugin's README). Random Cut Forest is not
in sagemaker_pyspark: lists are sent as the SDK sends them, a JSON list."""

from __future__ import annotations

import dataclasses

from smspark_core.codecs.hyperparameter_table import (
    FEATURE_DIM,
    HyperparameterTable,
    Integer,
    Keywords,
)

EVAL_METRICS = ("accuracy", "precision_recall_fscore")

HYPERPARAMETERS = HyperparameterTable(
    [
        dataclasses.replace(FEATURE_DIM, low=1, low_open=False, high=10_000),
        Integer(
            "num_samples_per_tree",
            "Rows sampled for each tree (default 256).",
            256,
            low=1,
            high=2048,
        ),
        Integer("num_trees", "Trees in the forest (default 100).", 100, low=50, high=1000),
        Keywords(
            "eval_metrics",
            "Metrics of the labelled test channel: accuracy, precision_recall_fscore "
            "(default both).",
            EVAL_METRICS,
            EVAL_METRICS,
            as_json=True,
            not_text=TypeError,
        ),
        # The SDK's RandomCutForest.MINI_BATCH_SIZE: the only value it sends (it refuses any
        # other), and the only one the local image reads with.
        Integer(
            "mini_batch_size",
            "Rows per mini-batch; Random Cut Forest uses the SDK's fixed mini_batch_size.",
            1000,
            choices=(1000,),
        ),
    ]
)
