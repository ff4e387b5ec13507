"""The two Factorization Machines estimators: every Param valid and invalid with the
original's exception types, defaults, the hyperparameter maps, required checks, image
URIs, uid and persistence of the unfitted estimator, and the deserializers on the golden
cases and JSON."""

from __future__ import annotations

import json

import pytest
from algorithm_helpers import check_setters, make_estimator
from golden import assert_deserializer_matches, load
from pyspark.ml import Pipeline
from pyspark.sql.types import StructType
from reference_tables import ORIGINAL_ACCOUNTS, SDK_ACCOUNTS_35, ecr_domain
from smspark_factorizationmachines import (
    FactorizationMachinesBinaryClassifier,
    FactorizationMachinesBinaryClassifierDeserializer,
    FactorizationMachinesRegressor,
    FactorizationMachinesRegressorDeserializer,
)

from smspark_core.algorithms.estimator import MissingHyperParameterError
from smspark_core.algorithms.images import FIRST_PARTY_ACCOUNTS, UnsupportedRegionError
from smspark_core.transformation.serializers import ProtobufRequestRowSerializer

RATES = ["BiasLr", "LinearLr", "FactorsLr", "BiasWd", "LinearWd", "FactorsWd"]
INIT = ["BiasInit", "LinearInit", "FactorsInit"]
# suffix, valid (value, expected getter value), invalid (value or (value, error type))
CASES = (
    [
        ("NumFactors", [(1, 1), (64, 64)], [0, -1, ("4", TypeError), (2.5, TypeError)]),
        ("Epochs", [(1, 1), (30, 30)], [0, ("5", TypeError)]),
        ("ClipGradient", [(1.0, 1.0), (-3.0, -3.0), (2, 2.0)], [("1.0", TypeError)]),
        ("Eps", [(1e-8, 1e-8), (0.0, 0.0)], [("small", TypeError), float("nan")]),
        ("RescaleGrad", [(0.01, 0.01)], [(None, TypeError), float("inf")]),
        ("FeatureDim", [(1, 1), (10_000_000, 10_000_000)], [0, -1]),
        ("MiniBatchSize", [(1, 1), (1000, 1000)], [0]),
    ]
    + [(r, [(0.0, 0.0), (5.0, 5.0), (1, 1.0)], [-0.1, ("0.1", TypeError)]) for r in RATES]
    + [
        (f"{g}Method", [("normal",) * 2, ("uniform",) * 2, ("constant",) * 2], ["normally", 1])
        for g in INIT
    ]  # fmt: skip
    + [(f"{g}Scale", [(0.0, 0.0), (0.5, 0.5)], [-1.0]) for g in INIT]
    + [(f"{g}Sigma", [(0.0, 0.0), (0.01, 0.01)], [-0.001]) for g in INIT]
    + [(f"{g}Value", [(100.0, 100.0), (-9999.0, -9999.0)], [("1", TypeError)]) for g in INIT]
)
ESTIMATORS = (FactorizationMachinesBinaryClassifier, FactorizationMachinesRegressor)


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("suffix, valid, invalid", CASES, ids=[c[0] for c in CASES])
def test_every_param_valid_and_invalid(cls, suffix, valid, invalid):
    check_setters(make_estimator(cls), suffix, valid, invalid)


def test_getters_return_python_numbers_and_the_map_is_text():
    fm = make_estimator(FactorizationMachinesBinaryClassifier)
    fm.setNumFactors(4).setLinearLr(5).setBiasInitValue(100.0)
    assert type(fm.getNumFactors()) is int and type(fm.getLinearLr()) is float
    assert fm.make_hyperparameters()["linear_lr"] == "5.0"


@pytest.mark.parametrize(
    "cls, predictor_type, deserializer",
    [
        (FactorizationMachinesBinaryClassifier, "binary_classifier",
         FactorizationMachinesBinaryClassifierDeserializer),
        (FactorizationMachinesRegressor, "regressor", FactorizationMachinesRegressorDeserializer),
    ],
)  # fmt: skip
def test_defaults(cls, predictor_type, deserializer):
    fm = make_estimator(cls)
    # no mini_batch_size default (the original has none): only predictor_type is sent
    assert fm.make_hyperparameters() == {"predictor_type": predictor_type}
    assert type(fm.getResponseRowDeserializer()) is deserializer
    assert isinstance(fm.getRequestRowSerializer(), ProtobufRequestRowSerializer)
    assert fm.getTrainingSparkDataFormat() == "sagemaker"
    assert not hasattr(fm, "setPredictorType")  # fixed by the class


def test_full_binary_classifier_hyperparameter_map():
    fm = make_estimator(FactorizationMachinesBinaryClassifier)
    fm.setFeatureDim(100).setNumFactors(8).setMiniBatchSize(200).setEpochs(3)
    fm.setClipGradient(1.5).setEps(0.001).setRescaleGrad(0.5)
    fm.setBiasLr(4.0).setLinearLr(5.0).setFactorsLr(6.0)
    fm.setBiasWd(1.0).setLinearWd(2.0).setFactorsWd(3.0)
    fm.setBiasInitMethod("constant").setBiasInitValue(100.0)
    fm.setLinearInitMethod("uniform").setLinearInitScale(0.2)
    fm.setFactorsInitMethod("normal").setFactorsInitSigma(0.0001)
    fm.setBiasInitScale(0.1).setBiasInitSigma(0.3)
    fm.setLinearInitSigma(0.4).setLinearInitValue(1.0)
    fm.setFactorsInitScale(0.5).setFactorsInitValue(2.0)
    assert fm.make_hyperparameters() == {
        "predictor_type": "binary_classifier",
        "feature_dim": "100",
        "num_factors": "8",
        "mini_batch_size": "200",
        "epochs": "3",
        "clip_gradient": "1.5",
        "eps": "0.001",
        "rescale_grad": "0.5",
        "bias_lr": "4.0",
        "linear_lr": "5.0",
        "factors_lr": "6.0",
        "bias_wd": "1.0",
        "linear_wd": "2.0",
        "factors_wd": "3.0",
        "bias_init_method": "constant",
        "bias_init_value": "100.0",
        "bias_init_scale": "0.1",
        "bias_init_sigma": "0.3",
        "linear_init_method": "uniform",
        "linear_init_scale": "0.2",
        "linear_init_sigma": "0.4",
        "linear_init_value": "1.0",
        "factors_init_method": "normal",
        "factors_init_sigma": "1.0E-4",
        "factors_init_scale": "0.5",
        "factors_init_value": "2.0",
    }


def test_regressor_hyperparameter_map():
    fm = make_estimator(FactorizationMachinesRegressor).setNumFactors(2).setFeatureDim(9)
    assert fm.make_hyperparameters() == {
        "predictor_type": "regressor",
        "num_factors": "2",
        "feature_dim": "9",
    }


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_num_factors_is_required_before_any_aws_call(cls):
    for fm in (make_estimator(cls), make_estimator(cls).setFeatureDim(5).setMiniBatchSize(10)):
        with pytest.raises(MissingHyperParameterError, match="num_factors"):
            fm.transformSchema(StructType([]))
    make_estimator(cls).setNumFactors(2).transformSchema(StructType([]))


@pytest.mark.spark
def test_missing_num_factors_fails_fit_before_any_aws_call(spark):
    from pyspark.ml.linalg import Vectors

    df = spark.createDataFrame([(Vectors.dense([1.0, 2.0]), 1.0)], ["features", "label"])
    with pytest.raises(MissingHyperParameterError, match="num_factors"):
        make_estimator(FactorizationMachinesRegressor, sagemakerClient=object()).fit(df)


@pytest.mark.parametrize("region", sorted(ORIGINAL_ACCOUNTS))
def test_image_uri_in_every_region_of_the_original(region):
    account, domain = ORIGINAL_ACCOUNTS[region], ecr_domain(region)
    expected = f"{account}.dkr.ecr.{region}.{domain}/factorization-machines:1"
    for cls in ESTIMATORS:
        fm = make_estimator(cls, region=region)
        assert fm.getTrainingImage() == expected and fm.getModelImage() == expected


@pytest.mark.parametrize("region", sorted(SDK_ACCOUNTS_35))
def test_image_uri_in_every_region_of_the_sdk(region):
    for cls in ESTIMATORS:
        image = make_estimator(cls, region=region).getTrainingImage()
        assert image.startswith(f"{SDK_ACCOUNTS_35[region]}.dkr.ecr.{region}.")
        assert image.endswith("/factorization-machines:1")


@pytest.mark.parametrize("region", sorted(set(FIRST_PARTY_ACCOUNTS) - set(SDK_ACCOUNTS_35)))
def test_first_party_regions_the_sdk_does_not_list_fail_at_construction(region):
    """us-isof-east-1 and us-isof-south-1 have the other first-party algorithms, but the
    SDK lists no factorization-machines image there."""
    for cls in ESTIMATORS:
        with pytest.raises(UnsupportedRegionError, match="factorization-machines:1"):
            make_estimator(cls, region=region)


@pytest.mark.spark
@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_uid_and_every_param_survive_save_and_load(spark, tmp_path, cls):
    fm = make_estimator(cls, uid=f"{cls.__name__}_fixed_uid")
    assert fm.uid == f"{cls.__name__}_fixed_uid"
    fm.setNumFactors(8).setFeatureDim(50).setMiniBatchSize(64).setEpochs(4)
    fm.setBiasLr(0.5).setFactorsInitMethod("uniform").setFactorsInitScale(0.02)
    fm.setClipGradient(2.0).setBiasInitValue(-1.5)
    fm.save(str(tmp_path / "estimator"))
    loaded = cls.load(str(tmp_path / "estimator"))
    assert loaded.uid == fm.uid
    assert loaded.make_hyperparameters() == fm.make_hyperparameters()
    assert loaded.getNumFactors() == 8 and loaded.getBiasLr() == 0.5
    assert type(loaded.getResponseRowDeserializer()) is type(fm.getResponseRowDeserializer())

    Pipeline(stages=[fm]).save(str(tmp_path / "pipeline"))
    stage = Pipeline.load(str(tmp_path / "pipeline")).getStages()[0]
    assert type(stage) is cls and stage.uid == fm.uid
    assert stage.make_hyperparameters() == fm.make_hyperparameters()


@pytest.mark.parametrize(
    "case, deserializer",
    [
        ("fm_binary", FactorizationMachinesBinaryClassifierDeserializer),
        ("fm_regressor", FactorizationMachinesRegressorDeserializer),
    ],
)
def test_golden_cases(case, deserializer):
    golden = load("deserializers", case)
    assert_deserializer_matches(deserializer(*golden["args"]), golden, False)


def test_snake_case_keywords_json_and_json_lines():
    binary = FactorizationMachinesBinaryClassifierDeserializer(
        score_column_name="p", predicted_label_column_name="y", accept="application/json"
    )
    assert binary.schema.names == ["p", "y"] and binary.accepts == "application/json"
    rows = binary.deserialize_response(
        json.dumps({"predictions": [{"score": 0.4, "predicted_label": 0}]}).encode()
    )
    assert tuple(rows[0]) == (0.4, 0.0)
    assert FactorizationMachinesBinaryClassifierDeserializer.from_config(binary.config()).schema \
        == binary.schema  # fmt: skip
    regressor = FactorizationMachinesRegressorDeserializer(score_column_name="yhat")
    body = b'{"score": 1.5}\n{"score": -2}\n'
    assert [r.yhat for r in regressor.deserialize_response(body)] == [1.5, -2.0]
    assert regressor.deserialize_batch(body).column(0).to_pylist() == [1.5, -2.0]


def test_found_by_the_ports_import_path():
    from smspark_core import algorithms

    assert algorithms.FactorizationMachinesBinaryClassifier is FactorizationMachinesBinaryClassifier
    assert algorithms.FactorizationMachinesRegressor is FactorizationMachinesRegressor
