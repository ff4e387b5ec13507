"""PCASageMakerEstimator's Params, defaults, required checks and image URIs; the
deserializer on the golden cases and on JSON."""

from __future__ import annotations

import json

import pytest
from algorithm_helpers import check_setters, make_estimator
from golden import assert_deserializer_matches, deserializer_cases, load
from reference_tables import ORIGINAL_ACCOUNTS, ecr_domain
from smspark_pca import PCAProtobufResponseRowDeserializer, PCASageMakerEstimator

from smspark_core.algorithms.estimator import MissingHyperParameterError
from smspark_core.transformation.serializers import ProtobufRequestRowSerializer


def estimator(**kwargs) -> PCASageMakerEstimator:
    return make_estimator(PCASageMakerEstimator, **kwargs)


CASES = [
    ("setNumComponents", [(1, 1), (50, 50)], [(0, ValueError), ("2", TypeError)]),
    (
        "setAlgorithmMode",
        [("regular",) * 2, ("randomized",) * 2, ("stable",) * 2],
        [("random", ValueError), (1, ValueError)],
    ),
    (
        "setSubtractMean",
        [(True, True), (False, False), ("True", True), ("false", False)],
        [("yes", ValueError), (1, ValueError)],
    ),
    ("setExtraComponents", [(-1, -1), (1, 1), (30, 30)], [(0, ValueError), (-2, ValueError)]),
    ("setFeatureDim", [(1, 1), (784, 784)], [(0, ValueError)]),
    ("setMiniBatchSize", [(1, 1), (500, 500)], [(0, ValueError), ("5", TypeError)]),
]


@pytest.mark.parametrize("setter, valid, invalid", CASES, ids=[c[0] for c in CASES])
def test_every_param_valid_and_invalid(setter, valid, invalid):
    check_setters(estimator(), setter.removeprefix("set"), valid, invalid)


def test_defaults_and_hyperparameters():
    pca = estimator()
    assert isinstance(pca.getRequestRowSerializer(), ProtobufRequestRowSerializer)
    assert isinstance(pca.getResponseRowDeserializer(), PCAProtobufResponseRowDeserializer)
    assert pca.getTrainingSparkDataFormat() == "sagemaker"
    pca.setNumComponents(3).setFeatureDim(8)
    assert pca.make_hyperparameters() == {
        "num_components": "3",
        "feature_dim": "8",
        "mini_batch_size": "1000",
        "subtract_mean": "True",
    }


@pytest.mark.spark
def test_missing_num_components_fails_before_any_aws_call(spark):
    from pyspark.ml.linalg import Vectors

    df = spark.createDataFrame([(Vectors.dense([1.0, 2.0]),)], ["features"])
    with pytest.raises(MissingHyperParameterError, match="num_components"):
        estimator(sagemakerClient=object()).fit(df)


@pytest.mark.parametrize("region", sorted(ORIGINAL_ACCOUNTS))
def test_image_uri_in_every_region_of_the_original(region):
    expected = f"{ORIGINAL_ACCOUNTS[region]}.dkr.ecr.{region}.{ecr_domain(region)}/pca:1"
    assert estimator(region=region).getTrainingImage() == expected


DELIBERATE = {
    "pca_single_value_is_scalar",
    "pca_sparse_key_over_int_range",
    "pca_sparse_shape_over_int_range",
}


@pytest.mark.parametrize(
    "case",
    [
        c
        for c in deserializer_cases()
        if c["name"].startswith("pca_") and c["name"] not in DELIBERATE
    ],
    ids=lambda c: c["name"],
)
def test_deserializer_golden_cases(case):
    golden = load("deserializers", case["name"])
    deserializer = PCAProtobufResponseRowDeserializer(*golden["args"])
    assert_deserializer_matches(deserializer, golden, case["error"])


def test_one_component_is_still_a_vector_and_json_is_read():
    golden = load("deserializers", "pca_single_value_is_scalar")
    rows = PCAProtobufResponseRowDeserializer().deserialize_response(
        bytes.fromhex(golden["payload_hex"])
    )
    assert all(len(r.projection) == 1 for r in rows)  # the original returned a scalar
    deserializer = PCAProtobufResponseRowDeserializer("p", accept="application/json")
    body = json.dumps({"projections": [{"projection": [1.0, 2.0]}, {"projection": [3.0]}]})
    assert [r.p.toArray().tolist() for r in deserializer.deserialize_response(body.encode())] == [
        [1.0, 2.0],
        [3.0],
    ]
    lines = b'{"projection": [0.5]}\n{"projection": [1.5]}\n'
    assert [r.p[0] for r in deserializer.deserialize_response(lines)] == [0.5, 1.5]
