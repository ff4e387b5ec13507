"""SageMaker XGBoost's hyperparameters, declared once: the estimator's Params and the local
image's parser are both made from this table, so the two cannot disagree. Imports no numpy,
so the estimator loads without the local image's dependencies.

The container passes most of them on to the XGBoost library. Those have no default here
(``None``): SageMaker's container sends XGBoost only what the job gave, so XGBoost's own
defaults apply, and they differ between image versions (``tree_method``, ``base_score``).
The ones the container reads itself (``num_round``, ``early_stopping_rounds``,
``csv_weights``, ``objective``, ``eval_metric``, ``silent``) carry the service's defaults.
"""

from __future__ import annotations

import re

from smspark_core.codecs.hyperparameter_table import (
    REQUIRED,
    Choice,
    HyperparameterTable,
    Integer,
    Number,
    Text,
)

OBJECTIVES = (
    "binary:logistic", "binary:logitraw", "binary:hinge", "count:poisson", "multi:softmax",
    "multi:softprob", "rank:pairwise", "rank:ndcg", "rank:map", "reg:linear",
    "reg:squarederror", "reg:logistic", "reg:gamma", "reg:pseudohubererror",
    "reg:squaredlogerror", "reg:absoluteerror", "reg:tweedie", "survival:aft", "survival:cox",
)  # fmt: skip
UPDATERS = (
    "grow_colmaker", "distcol", "grow_histmaker", "grow_local_histmaker", "grow_skmaker",
    "grow_quantile_histmaker", "sync", "refresh", "prune", "shotgun", "coord_descent",
)  # fmt: skip
# One evaluation metric as XGBoost names it, thresholds and cut-offs given as numbers.
METRIC = (
    r"rmse|rmsle|mae|mape|mphe|logloss|error(@[0-9.]+)?|merror|mlogloss|auc|aucpr|"
    r"(ndcg|map|pre)(@\d+)?-?|poisson-nloglik|gamma-nloglik|cox-nloglik|gamma-deviance|"
    r"tweedie-nloglik(@[0-9.]+)?|aft-nloglik|interval-regression-accuracy"
)

HYPERPARAMETERS = HyperparameterTable(
    [
        Choice("booster", "Which booster to use.", None, ("gbtree", "gblinear", "dart")),
        Integer("silent", "0 prints running messages (legacy image only).", None, low=0, high=1),
        Integer("verbosity", "0 silent, 1 warning, 2 info, 3 debug.", None, low=0, high=3),
        Integer("nthread", "Threads XGBoost uses.", None, low=1),
        Number("eta", "Step size shrinkage.", None, low=0, high=1),
        Number("gamma", "Minimum loss reduction to split a leaf.", None, low=0),
        Integer("max_depth", "Maximum depth of a tree (0: no limit).", None, low=0),
        Number("min_child_weight", "Minimum hessian sum in a child.", None, low=0),
        Number("max_delta_step", "Maximum delta step of a leaf.", None, low=0),
        Number("subsample", "Row subsample ratio.", None, low=0, high=1, low_open=True),
        Number(
            "colsample_bytree",
            "Column subsample ratio per tree.",
            None,
            low=0,
            high=1,
            low_open=True,
        ),
        Number(
            "colsample_bylevel",
            "Column subsample ratio per level.",
            None,
            low=0,
            high=1,
            low_open=True,
        ),
        Number(
            "colsample_bynode",
            "Column subsample ratio per split.",
            None,
            low=0,
            high=1,
            low_open=True,
        ),
        Number("alpha", "L1 regularization of the weights.", None, low=0),
        Choice(
            "tree_method",
            "The tree construction algorithm.",
            None,
            ("auto", "exact", "approx", "hist"),
        ),
        Number(
            "sketch_eps",
            "approx only: sketch accuracy.",
            None,
            low=0,
            high=1,
            low_open=True,
            high_open=True,
        ),
        Number("scale_pos_weight", "Balance of positive and negative weights.", None, low=0),
        Text(
            "updater",
            "Comma-separated tree updaters.",
            None,
            pattern="|".join(re.escape(updater) for updater in UPDATERS),
            form=f"a comma-separated list of {', '.join(UPDATERS)}",
            separator=",",
        ),
        Integer("refresh_leaf", "refresh updater: also refresh leaves.", None, low=0, high=1),
        Choice("process_type", "Boosting process.", None, ("default", "update")),
        Choice("grow_policy", "How new nodes are added.", None, ("depthwise", "lossguide")),
        Integer("max_leaves", "Maximum number of leaves (0: no limit).", None, low=0),
        Integer("max_bin", "hist only: maximum number of bins.", None, low=1),
        Choice("sample_type", "dart: sampling.", None, ("uniform", "weighted")),
        Choice("normalize_type", "dart: normalization.", None, ("tree", "forest")),
        Number("rate_drop", "dart: dropout rate.", None, low=0, high=1),
        Integer("one_drop", "dart: always drop at least one tree.", None, low=0, high=1),
        Number("skip_drop", "dart: probability of skipping dropout.", None, low=0, high=1),
        Number("lambda_bias", "gblinear: L2 regularization of the bias.", None, low=0, high=1),
        Number(
            "tweedie_variance_power",
            "reg:tweedie: variance power.",
            None,
            low=1,
            high=2,
            low_open=True,
            high_open=True,
        ),
        Choice("objective", "The learning objective.", "reg:squarederror", OBJECTIVES),
        Integer("num_class", "The number of classes (multi:* objectives).", None, low=1),
        Number("base_score", "Initial prediction score of every instance."),
        Text(
            "eval_metric",
            "Comma-separated evaluation metrics for the validation data.",
            None,
            pattern=METRIC,
            form="a comma-separated list of XGBoost metrics: rmse, mae, logloss, error, "
            "error@<threshold> (e.g. error@0.6), merror, mlogloss, auc, aucpr, ndcg, ndcg-, "
            "ndcg@<n> (e.g. ndcg@5), map, map-, map@<n>- (e.g. map@10-), ...",
            separator=",",
        ),
        Integer("seed", "Random seed."),
        Integer("num_round", "The number of boosting rounds.", REQUIRED, low=1),
        Integer(
            "early_stopping_rounds",
            "Stop when the validation metric has not improved for this many rounds.",
            None,
            low=1,
        ),
        Integer("csv_weights", "1: the second CSV column is an instance weight.", 0, low=0, high=1),
        Text(
            "monotone_constraints",
            "Per-feature monotonicity, e.g. '(1,0,-1)'.",
            None,
            pattern=r"\(\s*-?[01](\s*,\s*-?[01])*\s*\)",
            form="a parenthesised list of -1, 0 and 1",
        ),
        Text(
            "interaction_constraints",
            "Feature groups allowed to interact, e.g. '[[0, 1], [2, 3, 4]]'.",
            None,
            pattern=r"\[\s*(\[[\d\s,]*\]\s*,?\s*)*\]",
            form="a nested list of feature indices",
        ),
        Integer("num_parallel_tree", "Trees grown per round.", None, low=1),
        Number("lambda", "L2 regularization of the weights.", None, low=0),
    ]
)
