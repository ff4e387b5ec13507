"""The three Linear Learner estimators: every Param valid and invalid, defaults, required
checks, image URIs, and the deserializers on the golden cases and JSON."""

from __future__ import annotations

import json

import pytest
from algorithm_helpers import check_setters
from golden import assert_deserializer_matches, load
from pyspark.sql.types import StructType
from reference_tables import ORIGINAL_ACCOUNTS, ecr_domain
from smspark_linearlearner import (
    LinearLearnerBinaryClassifier,
    LinearLearnerBinaryClassifierProtobufResponseRowDeserializer,
    LinearLearnerMultiClassClassifier,
    LinearLearnerMultiClassClassifierProtobufResponseRowDeserializer,
    LinearLearnerRegressor,
    LinearLearnerRegressorProtobufResponseRowDeserializer,
)

from smspark_core import IAMRole
from smspark_core.algorithms.estimator import MissingHyperParameterError

INSTANCES = {
    "sagemakerRole": IAMRole("arn:aws:iam::123456789012:role/test"),
    "trainingInstanceType": "ml.m5.large",
    "trainingInstanceCount": 1,
    "endpointInstanceType": "ml.m5.large",
    "endpointInitialInstanceCount": 1,
}

# suffix, valid (value, expected getter value), invalid (value or (value, error))
COMMON = [
    ("Epochs", [(1, 1), (20, 20)], [0, ("5", TypeError)]),
    ("UseBias", [(True, True), ("False", False), ("True", True)], ["yes", 1]),
    ("NumModels", [("auto", "auto"), (4, "4")], [0, "many", 1.5]),
    ("NumCalibrationSamples", [(1, 1)], [0]),
    ("InitMethod", [("uniform",) * 2, ("normal",) * 2], ["zeros"]),
    ("InitScale", [(0.07, 0.07)], [0.0]),
    ("InitSigma", [(0.01, 0.01)], [-1.0]),
    ("InitBias", [(-3.0, -3.0)], [("0", TypeError)]),
    ("Optimizer", [("sgd",) * 2, ("adam",) * 2, ("rmsprop",) * 2, ("auto",) * 2], ["lbfgs"]),
    ("Loss", [("logistic",) * 2, ("quantile_loss",) * 2, ("auto",) * 2], ["log_loss"]),
    ("Wd", [(0.0, 0.0), (0.1, 0.1)], [-0.1]),
    ("L1", [(0.0, 0.0)], [-1.0]),
    ("Momentum", [(0.0, 0.0), (0.9, 0.9)], [1.0, -0.1]),
    ("LearningRate", [("auto", "auto"), (0.01, "0.01")], [0, -1, "fast"]),
    ("Beta1", [(0.0, 0.0), (0.9, 0.9)], [1.0]),
    ("Beta2", [(0.999, 0.999)], [1.0]),
    ("BiasLrMult", [(10.0, 10.0)], [0.0]),
    ("BiasWdMult", [(0.0, 0.0)], [-1.0]),
    ("UseLrScheduler", [(False, False), ("True", True)], [0]),
    ("LrSchedulerStep", [(100, 100)], [0]),
    ("LrSchedulerFactor", [(0.99, 0.99)], [0.0, 1.0]),
    ("LrSchedulerMinimumLr", [(1e-5, 1e-5)], [0.0]),
    ("NormalizeData", [(True, True)], ["auto"]),
    ("NormalizeLabel", [(False, False)], ["sometimes"]),
    ("UnbiasData", [("True", True)], [(None, ValueError)]),
    ("UnbiasLabel", [(True, True)], [1.0]),
    ("NumPointForScaler", [(10000, 10000)], [0]),
    ("EarlyStoppingPatience", [(3, 3)], [0]),
    ("EarlyStoppingTolerance", [(0.001, 0.001)], [0.0]),
    ("Margin", [(1.0, 1.0)], [0.0]),
    ("Quantile", [(0.9, 0.9)], [0.0, 1.0]),
    ("LossInsensitivity", [(0.01, 0.01)], [0.0]),
    ("HuberDelta", [(1.0, 1.0)], [-1.0]),
    ("FBeta", [(2.0, 2.0)], [0.0]),
    ("FeatureDim", [(30, 30)], [0]),
    ("MiniBatchSize", [(64, 64)], [0]),
]
BINARY = [
    (
        "BinaryClassifierModelSelectionCriteria",
        [("precision_at_target_recall",) * 2, ("f1",) * 2],
        ["auc"],
    ),
    ("TargetRecall", [(0.9, 0.9)], [0.0, 1.0]),
    ("TargetPrecision", [(0.5, 0.5)], [1.0]),
    ("PositiveExampleWeightMult", [("balanced",) * 2, ("auto",) * 2, (2.0, "2.0")], [0, "x"]),
]
MULTICLASS = [
    ("NumClasses", [(3, 3), (1_000_000, 1_000_000)], [2, 1_000_001]),
    ("AccuracyTopK", [(3, 3)], [0]),
    ("BalanceMultiClassWeights", [(True, True), ("False", False)], ["balanced", (3, TypeError)]),
]
CASES = (
    [(LinearLearnerRegressor, *c) for c in COMMON]
    + [(LinearLearnerBinaryClassifier, *c) for c in BINARY]
    + [(LinearLearnerMultiClassClassifier, *c) for c in MULTICLASS]
)


@pytest.mark.parametrize(
    "cls, suffix, valid, invalid", CASES, ids=[f"{c[0].__name__}-{c[1]}" for c in CASES]
)
def test_every_param_valid_and_invalid(cls, suffix, valid, invalid):
    check_setters(cls(**INSTANCES), suffix, valid, invalid)


@pytest.mark.parametrize(
    "cls, predictor_type, deserializer",
    [
        (LinearLearnerBinaryClassifier, "binary_classifier",
         LinearLearnerBinaryClassifierProtobufResponseRowDeserializer),
        (LinearLearnerMultiClassClassifier, "multiclass_classifier",
         LinearLearnerMultiClassClassifierProtobufResponseRowDeserializer),
        (LinearLearnerRegressor, "regressor",
         LinearLearnerRegressorProtobufResponseRowDeserializer),
    ],
)  # fmt: skip
def test_defaults(cls, predictor_type, deserializer):
    estimator = cls(**INSTANCES)
    assert estimator.make_hyperparameters() == {
        "mini_batch_size": "1000",
        "predictor_type": predictor_type,
    }
    assert type(estimator.getResponseRowDeserializer()) is deserializer
    assert estimator.getTrainingSparkDataFormat() == "sagemaker"


def test_multiclass_needs_num_classes_before_any_aws_call():
    with pytest.raises(MissingHyperParameterError, match="num_classes"):
        LinearLearnerMultiClassClassifier(**INSTANCES).transformSchema(StructType([]))
    LinearLearnerMultiClassClassifier(**INSTANCES).setNumClasses(3).transformSchema(StructType([]))


@pytest.mark.parametrize("region", sorted(ORIGINAL_ACCOUNTS))
def test_image_uri_in_every_region_of_the_original(region):
    expected = f"{ORIGINAL_ACCOUNTS[region]}.dkr.ecr.{region}.{ecr_domain(region)}/linear-learner:1"
    for cls in (LinearLearnerBinaryClassifier, LinearLearnerRegressor):
        assert cls(**INSTANCES, region=region).getTrainingImage() == expected


@pytest.mark.parametrize(
    "case, deserializer",
    [
        ("linear_learner_binary", LinearLearnerBinaryClassifierProtobufResponseRowDeserializer),
        ("linear_learner_regressor", LinearLearnerRegressorProtobufResponseRowDeserializer),
    ],
)
def test_golden_cases(case, deserializer):
    golden = load("deserializers", case)
    assert_deserializer_matches(deserializer(*golden["args"]), golden, False)


def test_json_answers_of_each_predictor_type():
    binary = LinearLearnerBinaryClassifierProtobufResponseRowDeserializer(accept="application/json")
    rows = binary.deserialize_response(
        json.dumps({"predictions": [{"score": 0.4, "predicted_label": 0}]}).encode()
    )
    assert tuple(rows[0]) == (0.4, 0.0)
    multiclass = LinearLearnerMultiClassClassifierProtobufResponseRowDeserializer("s", "p")
    rows = multiclass.deserialize_response(b'{"score":[0.1,0.7,0.2],"predicted_label":1}\n')
    assert rows[0].s.toArray().tolist() == [0.1, 0.7, 0.2] and rows[0].p == 1.0
    regressor = LinearLearnerRegressorProtobufResponseRowDeserializer()
    assert [r.score for r in regressor.deserialize_response(b'{"score":1.5}\n{"score":2}\n')] == [
        1.5,
        2.0,
    ]
