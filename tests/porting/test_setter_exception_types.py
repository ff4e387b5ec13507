"""Setters raise the exception type sagemaker_pyspark 1.4.5 raised for the same value, so
that a ported program's ``except ValueError``/``except TypeError`` (and its tests'
``pytest.raises``) still catch them; the messages are smspark's, naming the parameter.

The original checked a value against its range first (a comparison, or ``value not in
(...)`` for choices, 0/1 flags and 'True'/'False'), then handed it to a pyspark type
converter: each case below is one of those paths, recorded from the original package."""

from __future__ import annotations

import pytest
from smspark_factorizationmachines import FactorizationMachinesRegressor
from smspark_kmeans import KMeansSageMakerEstimator
from smspark_lda import LDASageMakerEstimator
from smspark_linearlearner import (
    LinearLearnerBinaryClassifier,
    LinearLearnerMultiClassClassifier,
    LinearLearnerRegressor,
)
from smspark_pca import PCASageMakerEstimator
from smspark_xgboost import XGBoostSageMakerEstimator

from smspark_core import IAMRole

KM, PCA, LDA, FM = (
    KMeansSageMakerEstimator,
    PCASageMakerEstimator,
    LDASageMakerEstimator,
    FactorizationMachinesRegressor,
)
LLB, LLM, LLR, XGB = (
    LinearLearnerBinaryClassifier,
    LinearLearnerMultiClassClassifier,
    LinearLearnerRegressor,
    XGBoostSageMakerEstimator,
)

# (class, setter, value, what sagemaker_pyspark 1.4.5 raised)
CASES = [
    # None where a choice or 'True'/'False' is expected: `None not in (...)`.
    (KM, "setInitMethod", None, ValueError),
    (LLR, "setInitMethod", None, ValueError),
    (LLR, "setUseBias", None, ValueError),
    (LLB, "setNormalizeData", None, ValueError),
    (PCA, "setSubtractMean", None, ValueError),
    (PCA, "setAlgorithmMode", None, ValueError),
    (XGB, "setObjective", None, ValueError),
    (XGB, "setBooster", None, ValueError),
    (FM, "setBiasInitMethod", None, ValueError),
    # A number where a choice is expected.
    (KM, "setInitMethod", 1, ValueError),
    (PCA, "setAlgorithmMode", 1, ValueError),
    # 0/1 flags: anything but 0 or 1 fails `value not in (0, 1)`; True then fails toInt.
    (XGB, "setSilent", "5", ValueError),
    (XGB, "setOneDrop", "x", ValueError),
    (XGB, "setRefreshLeaf", 0.5, ValueError),
    (XGB, "setRefreshLeaf", "1", ValueError),
    (XGB, "setSilent", True, TypeError),
    # None, strings and lists where a number is expected: the comparison fails.
    (KM, "setK", None, TypeError),
    (KM, "setK", "5", TypeError),
    (KM, "setK", [3], TypeError),
    (XGB, "setEta", [0.1], TypeError),
    (LLR, "setNumModels", [1], TypeError),
    (LLR, "setLearningRate", None, TypeError),
    # Booleans inside the range pass the comparison and fail the converter ...
    (LLR, "setWd", True, TypeError),
    (XGB, "setAlpha", False, TypeError),
    (XGB, "setMaxDepth", True, TypeError),
    (LLB, "setTargetRecall", True, TypeError),
    (LLB, "setTargetPrecision", False, TypeError),
    # ... and outside it fail the comparison.
    (KM, "setK", True, ValueError),
    (KM, "setFeatureDim", False, ValueError),
    # Fractions for integers: inside the original's range the converter refuses them ...
    (KM, "setFeatureDim", 0.5, TypeError),
    (PCA, "setMiniBatchSize", 0.5, TypeError),
    (FM, "setEpochs", 0.5, TypeError),
    (FM, "setNumFactors", 1e-5, TypeError),
    (LLM, "setAccuracyTopK", 0.5, TypeError),
    (LLR, "setEarlyStoppingPatience", 0.5, TypeError),
    (PCA, "setExtraComponents", 1.5, TypeError),
    (XGB, "setNumRound", 2.5, TypeError),
    # ... outside it the comparison does.
    (KM, "setK", 0.5, ValueError),
    (KM, "setEpochs", 0.5, ValueError),
    (LLR, "setEpochs", 0.5, ValueError),
    (PCA, "setExtraComponents", 0.5, ValueError),
    (LDA, "setNumTopics", 0.5, ValueError),
    # 'auto'-or-number: int()/float() of a word is a ValueError.
    (KM, "setTrialNum", "abc", ValueError),
    (LLB, "setPositiveExampleWeightMult", "lots", ValueError),
]


def _estimator(cls):
    return cls(
        trainingInstanceType="ml.m5.large",
        trainingInstanceCount=1,
        endpointInstanceType="ml.m5.large",
        endpointInitialInstanceCount=1,
        sagemakerRole=IAMRole("arn:aws:iam::123456789012:role/r"),
        region="us-east-1",
    )


@pytest.mark.parametrize(
    ("cls", "setter", "value", "raised"),
    CASES,
    ids=[f"{c.__name__}.{s}({v!r})" for c, s, v, _ in CASES],
)
def test_the_original_exception_type_with_a_message_naming_the_parameter(
    cls, setter, value, raised
):
    estimator = _estimator(cls)
    before = estimator.extractParamMap()
    with pytest.raises(raised) as error:
        getattr(estimator, setter)(value)
    assert type(error.value) is raised  # not merely a subclass of the other kind
    named = [p.name for p in estimator.params if str(error.value).startswith(f"{p.name} must be")]
    assert named, f"the message does not start with the parameter's name: {error.value}"
    assert estimator.extractParamMap() == before


def test_a_value_either_check_accepts_is_stored():
    """The checks above refuse nothing the original's comparison and converter let through
    (integral floats for integers, 'auto' and numeric text for 'auto'-or-number Params)."""
    km = _estimator(KM).setFeatureDim(3.0).setTrialNum("5").setCenterFactor(2)
    assert (km.getFeatureDim(), km.getTrialNum(), km.getCenterFactor()) == (3, "5", "2")
    xgb = _estimator(XGB).setSilent(1.0).setRefreshLeaf(0)
    assert (xgb.getSilent(), xgb.getRefreshLeaf()) == (1, 0)
