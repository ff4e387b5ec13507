"""SageMaker Linear Learner's hyperparameters, declared once: the three estimators' Params and
the local image's parser are both made from this table, so the two cannot disagree. Imports no
numpy, so the estimators load without the local image's dependencies.

Bounds are the original's setters' (the Scala estimator's, where its Python wrapper was looser),
which are also the service's documented ranges. Where the service takes ``"auto"`` but the
original's setter took only a number or a boolean (``feature_dim``, ``wd``, ``normalize_label``,
...), the entry says ``service_auto``: the local image reads ``"auto"`` as ``None`` and decides.
"""

from __future__ import annotations

import dataclasses

from smspark_core.codecs.hyperparameter_table import (
    FEATURE_DIM,
    MINI_BATCH_SIZE,
    REQUIRED,
    AutoOrNumber,
    Boolean,
    Choice,
    HyperparameterTable,
    Integer,
    Number,
)

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

HYPERPARAMETERS = HyperparameterTable(
    [
        # "auto" (the default): the width of the training data
        dataclasses.replace(FEATURE_DIM, default="auto", service_auto=True),
        dataclasses.replace(MINI_BATCH_SIZE, default=1000),
        Integer("epochs", "Passes over the training data.", 15, low=1),
        Choice("predictor_type", "Fixed by the estimator class.", REQUIRED, PREDICTOR_TYPES),
        Boolean("use_bias", "Whether the model has a bias term.", True),
        AutoOrNumber("num_models", "Models trained in parallel.", low=1, integer=True),
        Integer(
            "num_calibration_samples",
            "Rows used to calibrate the threshold.",
            "auto",
            low=1,
            service_auto=True,
        ),
        Choice("init_method", "Weight initialisation.", "uniform", ("uniform", "normal")),
        Number("init_scale", "Range of uniform initialisation.", 0.07, low=0, low_open=True),
        Number("init_sigma", "Deviation of normal initialisation.", 0.01, low=0, low_open=True),
        Number("init_bias", "Initial bias.", 0.0),
        Choice("optimizer", "The optimiser.", "auto", ("sgd", "adam", "rmsprop", "auto")),
        Choice("loss", "The loss function.", "auto", LOSSES),
        Number("wd", "L2 regularization.", "auto", low=0, service_auto=True),
        Number("l1", "L1 regularization.", "auto", low=0, service_auto=True),
        Number("momentum", "sgd momentum.", 0.0, low=0, high=1, high_open=True),
        AutoOrNumber("learning_rate", "Step size ('auto' or > 0).", low=0, low_open=True),
        Number(
            "beta_1",
            "adam: first-moment decay.",
            "auto",
            low=0,
            high=1,
            high_open=True,
            service_auto=True,
        ),
        Number(
            "beta_2",
            "adam: second-moment decay.",
            "auto",
            low=0,
            high=1,
            high_open=True,
            service_auto=True,
        ),
        Number(
            "bias_lr_mult",
            "Bias learning-rate multiplier.",
            "auto",
            low=0,
            low_open=True,
            service_auto=True,
        ),
        Number("bias_wd_mult", "Bias L2 multiplier.", "auto", low=0, service_auto=True),
        Boolean("use_lr_scheduler", "Whether the learning rate decays.", True),
        Integer("lr_scheduler_step", "Updates between decays.", 100, low=0, low_open=True),
        Number(
            "lr_scheduler_factor",
            "Decay factor.",
            0.99,
            low=0,
            high=1,
            low_open=True,
            high_open=True,
        ),
        Number(
            "lr_scheduler_minimum_lr", "Floor of the learning rate.", 1e-5, low=0, low_open=True
        ),
        Boolean("normalize_data", "Scale the features before training.", True, service_auto=True),
        Boolean("normalize_label", "Scale a regressor's label.", "auto", service_auto=True),
        Boolean("unbias_data", "Centre the features.", "auto", service_auto=True),
        Boolean("unbias_label", "Centre a regressor's label.", "auto", service_auto=True),
        Integer(
            "num_point_for_scaler",
            "Rows used to estimate the scaling.",
            10000,
            low=0,
            low_open=True,
        ),
        Integer(
            "early_stopping_patience",
            "Epochs without improvement before stopping.",
            3,
            low=0,
            low_open=True,
        ),
        Number(
            "early_stopping_tolerance",
            "Relative improvement that counts.",
            0.001,
            low=0,
            low_open=True,
        ),
        Number("margin", "hinge_loss margin.", 1.0, low=0, low_open=True),
        Number(
            "quantile",
            "quantile_loss quantile.",
            0.5,
            low=0,
            high=1,
            low_open=True,
            high_open=True,
        ),
        Number("loss_insensitivity", "eps_insensitive_* epsilon.", 0.01, low=0, low_open=True),
        Number("huber_delta", "huber_loss delta.", 1.0, low=0, low_open=True),
        Number("f_beta", "beta of the f_beta criterion.", 1.0, low=0, low_open=True),
        # binary_classifier only
        Choice(
            "binary_classifier_model_selection_criteria",
            "How the best model and its threshold are chosen.",
            "accuracy",
            CRITERIA,
        ),
        Number(
            "target_recall",
            "precision_at_target_recall: the recall to reach.",
            0.8,
            low=0,
            high=1,
            low_open=True,
            high_open=True,
            original=(0.0, 1.0),
        ),
        Number(
            "target_precision",
            "recall_at_target_precision: the precision to reach.",
            0.8,
            low=0,
            high=1,
            low_open=True,
            high_open=True,
            original=(0.0, 1.0),
        ),
        AutoOrNumber(
            "positive_example_weight_mult",
            "Weight of positive examples: a number, 'balanced' or 'auto'.",
            1.0,
            low=0,
            low_open=True,
            words=("auto", "balanced"),
        ),
        # multiclass_classifier only; num_classes is required there (the container checks)
        Integer("num_classes", "The number of classes.", None, low=3, high=1_000_000),
        Integer("accuracy_top_k", "k of the top-k accuracy metric.", 3, low=0, low_open=True),
        Boolean(
            "balance_multiclass_weights",
            "Weight classes to count equally.",
            False,
            not_text=TypeError,
        ),
    ]
)
