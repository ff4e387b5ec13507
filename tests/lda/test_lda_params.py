"""LDASageMakerEstimator: every Param valid and invalid, no client defaults, the
hyperparameter map, required checks, images in the LDA regions (and none elsewhere), uid
and persistence of the unfitted estimator, and the deserializer on the golden case and
JSON."""

from __future__ import annotations

import json

import pytest
from algorithm_helpers import check_setters, make_estimator
from golden import assert_deserializer_matches, load
from pyspark.ml import Pipeline
from pyspark.sql.types import StructType
from reference_tables import ORIGINAL_ACCOUNTS, ORIGINAL_LDA_ACCOUNTS, ecr_domain
from smspark_lda import LDAProtobufResponseRowDeserializer, LDASageMakerEstimator

from smspark_core.algorithms.estimator import MissingHyperParameterError
from smspark_core.algorithms.images import UnsupportedRegionError
from smspark_core.transformation.serializers import ProtobufRequestRowSerializer


def estimator(**kwargs) -> LDASageMakerEstimator:
    return make_estimator(LDASageMakerEstimator, **kwargs)


CASES = [
    ("NumTopics", [(1, 1), (100, 100)], [0, -1, ("10", TypeError)]),
    ("Alpha0", [(0.1, 0.1), (1, 1.0)], [0.0, -1.0, ("0.1", TypeError)]),
    ("MaxRestarts", [(1, 1), (10, 10)], [0, ("10", TypeError)]),
    ("MaxIterations", [(1, 1), (1000, 1000)], [0, -5]),
    ("Tol", [(1e-8, 1e-8), (0.5, 0.5)], [0.0, -1e-8, ("1e-8", TypeError)]),
    ("FeatureDim", [(1, 1), (5000, 5000)], [0, -1]),
    ("MiniBatchSize", [(1, 1), (2000, 2000)], [0, -1]),
]


@pytest.mark.parametrize("suffix, valid, invalid", CASES, ids=[c[0] for c in CASES])
def test_every_param_valid_and_invalid(suffix, valid, invalid):
    check_setters(estimator(), suffix, valid, invalid)


def test_defaults_and_full_hyperparameter_map():
    lda = estimator()
    assert lda.make_hyperparameters() == {}  # no client-side defaults at all
    assert isinstance(lda.getRequestRowSerializer(), ProtobufRequestRowSerializer)
    assert type(lda.getResponseRowDeserializer()) is LDAProtobufResponseRowDeserializer
    assert lda.getTrainingSparkDataFormat() == "sagemaker"
    lda.setNumTopics(5).setAlpha0(0.5).setMaxRestarts(3).setMaxIterations(20).setTol(1e-8)
    lda.setFeatureDim(500).setMiniBatchSize(2000)
    assert type(lda.getNumTopics()) is int and type(lda.getTol()) is float
    assert lda.make_hyperparameters() == {
        "num_topics": "5",
        "alpha0": "0.5",
        "max_restarts": "3",
        "max_iterations": "20",
        "tol": "1.0E-8",
        "feature_dim": "500",
        "mini_batch_size": "2000",
    }


@pytest.mark.parametrize(
    "setters, missing",
    [
        ({}, "num_topics, mini_batch_size"),
        ({"setNumTopics": 3}, "mini_batch_size"),
        ({"setMiniBatchSize": 10}, "num_topics"),
        ({"setFeatureDim": 10, "setMiniBatchSize": 10}, "num_topics"),
    ],
)
def test_required_params_fail_before_any_aws_call(setters, missing):
    lda = estimator()
    for setter, value in setters.items():
        getattr(lda, setter)(value)
    with pytest.raises(MissingHyperParameterError, match=missing):
        lda.transformSchema(StructType([]))


@pytest.mark.parametrize("region", sorted(ORIGINAL_LDA_ACCOUNTS))
def test_image_uri_in_every_lda_region_of_the_original(region):
    expected = f"{ORIGINAL_LDA_ACCOUNTS[region]}.dkr.ecr.{region}.{ecr_domain(region)}/lda:1"
    lda = estimator(region=region)
    assert lda.getTrainingImage() == expected and lda.getModelImage() == expected


@pytest.mark.parametrize("region", sorted(set(ORIGINAL_ACCOUNTS) - set(ORIGINAL_LDA_ACCOUNTS)))
def test_regions_without_the_lda_image_fail_at_construction(region):
    with pytest.raises(UnsupportedRegionError, match="lda:1"):
        estimator(region=region)


@pytest.mark.spark
def test_uid_and_every_param_survive_save_and_load(spark, tmp_path):
    lda = estimator(uid="LDASageMakerEstimator_fixed")
    assert lda.uid == "LDASageMakerEstimator_fixed"
    lda.setNumTopics(7).setAlpha0(0.3).setMaxRestarts(2).setMaxIterations(9).setTol(0.01)
    lda.setMiniBatchSize(100)
    lda.save(str(tmp_path / "estimator"))
    loaded = LDASageMakerEstimator.load(str(tmp_path / "estimator"))
    assert loaded.uid == lda.uid
    assert loaded.make_hyperparameters() == lda.make_hyperparameters()
    assert loaded.getAlpha0() == 0.3 and loaded.getTrainingImage() == lda.getTrainingImage()
    Pipeline(stages=[lda]).save(str(tmp_path / "pipeline"))
    stage = Pipeline.load(str(tmp_path / "pipeline")).getStages()[0]
    assert stage.uid == lda.uid and stage.make_hyperparameters() == lda.make_hyperparameters()


def test_golden_case():
    golden = load("deserializers", "lda_topic_mixture")
    assert_deserializer_matches(LDAProtobufResponseRowDeserializer(*golden["args"]), golden, False)


def test_projection_column_name_keyword_json_and_one_topic():
    deserializer = LDAProtobufResponseRowDeserializer(
        projection_column_name="topics", accept="application/json"
    )
    assert deserializer.schema.names == ["topics"]
    body = json.dumps({"predictions": [{"topic_mixture": [0.25, 0.75]}, {"topic_mixture": [1]}]})
    rows = deserializer.deserialize_response(body.encode())
    assert [r.topics.toArray().tolist() for r in rows] == [[0.25, 0.75], [1.0]]
    lines = b'{"topic_mixture": [0.5, 0.5]}\n'
    assert deserializer.deserialize_batch(lines).num_rows == 1
    again = LDAProtobufResponseRowDeserializer.from_config(deserializer.config())
    assert again.schema == deserializer.schema and again.accepts == "application/json"


def test_found_by_the_ports_import_path():
    from smspark_core.algorithms import LDASageMakerEstimator as ported

    assert ported is LDASageMakerEstimator
