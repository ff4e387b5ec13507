"""SageMaker k-NN's hyperparameters, declared once: the estimator's Params and the local
image's parser are both made from this table, so the two cannot disagree. Imports no numpy,
so the estimator loads without the local image's dependencies. The rules between them (a
target with a reduction type, IVFPQ only with L2, ...) are checked on each side: by the
estimator at ``fit()``, by the local image after parsing."""

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
)

METRICS = ("L2", "INNER_PRODUCT", "COSINE")
INDEX_TYPES = ("faiss.Flat", "faiss.IVFFlat", "faiss.IVFPQ")
PREDICTOR_TYPES = ("classifier", "regressor")
REDUCTIONS = ("sign", "fjlt")
PQ_M_VALUES = (1, 2, 3, 4, 8, 12, 16, 20, 24, 28, 32, 40, 48, 56, 64, 96)

HYPERPARAMETERS = HyperparameterTable(
    [
        FEATURE_DIM,
        dataclasses.replace(MINI_BATCH_SIZE, default=5000),
        Integer("k", "The number of nearest neighbours.", REQUIRED, low=1),
        Integer("sample_size", "Rows sampled from the training data.", REQUIRED, low=1),
        Choice(
            "predictor_type",
            "classifier (majority label) or regressor (mean label).",
            REQUIRED,
            PREDICTOR_TYPES,
        ),
        Choice(
            "dimension_reduction_type",
            "sign (random projection) or fjlt (fast Johnson-Lindenstrauss transform).",
            None,
            REDUCTIONS,
        ),
        Integer(
            "dimension_reduction_target",
            "The reduced dimension, less than feature_dim.",
            None,
            low=1,
        ),
        Choice("index_type", "The index (default faiss.Flat).", "faiss.Flat", INDEX_TYPES),
        Choice("index_metric", "The distance (default L2).", "L2", METRICS),
        AutoOrNumber(
            "faiss_index_ivf_nlists",
            "Centroids of the IVF index (auto: sqrt(sample_size)).",
            low=1,
            integer=True,
        ),
        Integer(
            "faiss_index_pq_m",
            "Sub-vectors of the product quantizer of faiss.IVFPQ (data dimension is padded to "
            "a multiple of it).",
            None,
            choices=PQ_M_VALUES,
        ),
    ]
)
