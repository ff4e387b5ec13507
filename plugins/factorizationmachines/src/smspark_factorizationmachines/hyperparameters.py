"""SageMaker Factorization Machines' hyperparameters, declared once: the estimators' Params
and the local image's parser are both made from this table, so the two cannot disagree.
Imports no numpy, so the estimators load without the local image's dependencies.

Defaults are the service's (AWS, *Factorization Machines Hyperparameters*). Where it
documents none (``clip_gradient``, ``eps``, ``rescale_grad``, the init scales and values)
the entry's default is ``None``; what the local image does then is in its ``container``."""

from __future__ import annotations

import dataclasses

from smspark_core.codecs.hyperparameter_table import (
    FEATURE_DIM,
    MINI_BATCH_SIZE,
    REQUIRED,
    Choice,
    HyperparameterTable,
    Integer,
    Number,
)

PREDICTOR_TYPES = ("binary_classifier", "regressor")
INIT_METHODS = ("normal", "uniform", "constant")


def _non_negative(name: str, doc: str, default: float | None = None) -> Number:
    """A rate, decay, scale or sigma: a number >= 0."""
    return Number(name, doc, default, low=0)


HYPERPARAMETERS = HyperparameterTable(
    [
        FEATURE_DIM,
        dataclasses.replace(MINI_BATCH_SIZE, default=1000),
        Integer(
            "num_factors",
            "The dimensionality of the factorization.",
            REQUIRED,
            low=0,
            low_open=True,
        ),
        Choice("predictor_type", "Fixed by the estimator class.", REQUIRED, PREDICTOR_TYPES),
        Integer("epochs", "Passes over the training data.", 1, low=0, low_open=True),
        Number("clip_gradient", "Gradients are clipped to [-clip_gradient, clip_gradient]."),
        Number("eps", "The optimizer's epsilon, against division by 0."),
        Number(
            "rescale_grad",
            "Gradients are multiplied by this before each update (1/batch size).",
        ),
        _non_negative("bias_lr", "Learning rate of the bias term.", 0.1),
        _non_negative("linear_lr", "Learning rate of the linear terms.", 0.001),
        _non_negative("factors_lr", "Learning rate of the factorization terms.", 0.0001),
        _non_negative("bias_wd", "Weight decay of the bias term.", 0.01),
        _non_negative("linear_wd", "Weight decay of the linear terms.", 0.001),
        _non_negative("factors_wd", "Weight decay of the factorization terms.", 0.00001),
        Choice("bias_init_method", "Bias initialisation.", "normal", INIT_METHODS),
        _non_negative("bias_init_scale", "uniform bias initialisation range."),
        _non_negative("bias_init_sigma", "normal bias initialisation deviation.", 0.01),
        Number("bias_init_value", "constant bias initialisation value."),
        Choice("linear_init_method", "Linear terms' initialisation.", "normal", INIT_METHODS),
        _non_negative("linear_init_scale", "uniform linear initialisation range."),
        _non_negative("linear_init_sigma", "normal linear initialisation deviation.", 0.01),
        Number("linear_init_value", "constant linear initialisation value."),
        Choice(
            "factors_init_method", "Factorization terms' initialisation.", "normal", INIT_METHODS
        ),
        _non_negative("factors_init_scale", "uniform factors initialisation range."),
        _non_negative("factors_init_sigma", "normal factors initialisation deviation.", 0.001),
        Number("factors_init_value", "constant factors initialisation value."),
    ]
)
