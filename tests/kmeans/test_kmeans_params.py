"""KMeansSageMakerEstimator's Params: every one valid and invalid, defaults, the
hyperparameters sent, required checks before any AWS call, and image URIs."""

from __future__ import annotations

import pytest
from algorithm_helpers import check_setters, make_estimator
from reference_tables import ORIGINAL_ACCOUNTS
from smspark_kmeans import KMeansProtobufResponseRowDeserializer, KMeansSageMakerEstimator

from smspark_core.algorithms.estimator import MissingHyperParameterError
from smspark_core.algorithms.images import UnsupportedRegionError
from smspark_core.algorithms.params import HyperParameter
from smspark_core.transformation.serializers import ProtobufRequestRowSerializer


def estimator(local=None, **kwargs) -> KMeansSageMakerEstimator:
    return make_estimator(KMeansSageMakerEstimator, local, **kwargs)


# setter, valid values (what the getter then returns), invalid values and the error type
CASES = [
    (
        "setK",
        [(2, 2), (500, 500)],
        [
            (1, ValueError),
            (0, ValueError),
            ("3", TypeError),
            (2.5, TypeError),
            (1.5, ValueError),
            (True, ValueError),
        ],
    ),
    ("setFeatureDim", [(1, 1), (784, 784)], [(0, ValueError), (-4, ValueError), ("a", TypeError)]),
    ("setMiniBatchSize", [(1, 1), (5000, 5000)], [(0, ValueError), (1.5, TypeError)]),
    (
        "setInitMethod",
        [("random",) * 2, ("kmeans++",) * 2],
        [("kmeans", ValueError), (3, ValueError)],
    ),
    ("setMaxIter", [(1, 1), (300, 300)], [(0, ValueError), ("x", TypeError)]),
    (
        "setTol",
        [(0, 0.0), (1, 1.0), (1e-4, 1e-4)],
        [(-0.1, ValueError), (1.01, ValueError), ("a", TypeError)],
    ),
    (
        "setTrialNum",
        [("auto",) * 2, (3, "3"), ("7", "7")],
        [(0, ValueError), ("many", ValueError), (1.5, ValueError)],
    ),
    ("setLocalInitMethod", [("random",) * 2, ("kmeans++",) * 2], [("lloyd", ValueError)]),
    ("setHalflifeTime", [(0, 0), (100, 100)], [(-1, ValueError), ("1", TypeError)]),
    ("setEpochs", [(1, 1), (10, 10)], [(0, ValueError)]),
    ("setCenterFactor", [("auto",) * 2, (4, "4")], [(0, ValueError), ("twice", ValueError)]),
    (
        "setEvalMetrics",
        [("msd", "msd"), ("ssd, msd", "ssd, msd"), (["msd", "ssd"], "msd, ssd")],
        [("mse", ValueError), ("", ValueError)],
    ),
]


@pytest.mark.parametrize("setter, valid, invalid", CASES, ids=[c[0] for c in CASES])
def test_every_param_valid_and_invalid(setter, valid, invalid):
    check_setters(estimator(), setter.removeprefix("set"), valid, invalid)


def test_invalid_value_names_the_parameter_and_range():
    with pytest.raises(ValueError, match=r"local_lloyd_tol must be a number >= 0 and <= 1, got 2"):
        estimator().setTol(2)
    with pytest.raises(ValueError, match="k must be an integer >= 2, got 1"):
        estimator().setK(1)


def test_set_and_copy_validate_too():
    kmeans = estimator()
    with pytest.raises(ValueError, match="epochs"):
        kmeans.set(kmeans.epochs, 0)
    with pytest.raises(ValueError, match="init_method"):
        kmeans.set(kmeans.init_method, "bogus")
    with pytest.raises(TypeError, match="feature_dim"):
        kmeans._set(feature_dim="wide")


def test_params_are_named_by_hyperparameter_keys_and_sent_as_the_original_did():
    kmeans = estimator().setK(10).setFeatureDim(64).setTol(1e-4).setEvalMetrics("ssd,msd")
    kmeans.setTrialNum(3).setCenterFactor("auto").setHalflifeTime(0)
    assert kmeans.make_hyperparameters() == {
        "k": "10",
        "feature_dim": "64",
        "mini_batch_size": "5000",
        "local_lloyd_tol": "1.0E-4",
        "eval_metrics": "[ssd,msd]",
        "local_lloyd_num_trials": "3",
        "extra_center_factor": "auto",
        "half_life_time_size": "0",
    }
    hyperparameters = [p for p in kmeans.params if isinstance(p, HyperParameter)]
    assert {p.name for p in hyperparameters} == {
        "k",
        "feature_dim",
        "mini_batch_size",
        "init_method",
        "local_lloyd_max_iter",
        "local_lloyd_tol",
        "local_lloyd_num_trials",
        "local_lloyd_init_method",
        "half_life_time_size",
        "epochs",
        "extra_center_factor",
        "eval_metrics",
    }


def test_defaults():
    kmeans = estimator()
    assert kmeans.getMiniBatchSize() == 5000
    assert not kmeans.isDefined(kmeans.k)
    assert isinstance(kmeans.getRequestRowSerializer(), ProtobufRequestRowSerializer)
    assert isinstance(kmeans.getResponseRowDeserializer(), KMeansProtobufResponseRowDeserializer)
    assert kmeans.getTrainingSparkDataFormat() == "sagemaker"
    assert kmeans.getTrainingContentType() is None


def test_fit_needs_the_instance_settings_before_any_call():
    """Every setting is optional at construction (pyspark's style, and what loading needs);
    fit() checks the training instances before it stages anything."""
    kmeans = KMeansSageMakerEstimator(
        endpointInstanceType="ml.m5.large", endpointInitialInstanceCount=1
    )
    with pytest.raises(ValueError, match="trainingInstanceType, trainingInstanceCount must be set"):
        kmeans._check_before_any_call()


@pytest.mark.spark
def test_missing_k_fails_at_fit_before_any_aws_call(spark):
    from pyspark.ml.linalg import Vectors

    class NoCalls:
        def __getattr__(self, name):
            raise AssertionError(f"AWS was called: {name}")

    df = spark.createDataFrame([(Vectors.dense([1.0, 2.0]),)], ["features"])
    kmeans = estimator(sagemakerClient=NoCalls())
    with pytest.raises(MissingHyperParameterError, match="required hyperparameter.*k"):
        kmeans.fit(df)


@pytest.mark.spark
def test_feature_dim_comes_from_the_data_when_unset(spark):
    from pyspark.ml.linalg import Vectors

    df = spark.createDataFrame([(Vectors.sparse(7, [1], [2.0]),)], ["features"])
    kmeans = estimator().setK(3)
    assert kmeans._fit_hyperparameters(df)["feature_dim"] == "7"
    assert kmeans.setFeatureDim(9)._fit_hyperparameters(df)["feature_dim"] == "9"
    from pyspark.ml.linalg import VectorUDT
    from pyspark.sql.types import StructField, StructType

    empty = spark.createDataFrame([], StructType([StructField("features", VectorUDT())]))
    with pytest.raises(MissingHyperParameterError, match="no vectors"):
        estimator().setK(3)._fit_hyperparameters(empty)


@pytest.mark.parametrize("region", sorted(ORIGINAL_ACCOUNTS))
def test_image_uri_in_every_region_of_the_original(region):
    domain = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    uri = estimator(region=region).getTrainingImage()
    assert uri == f"{ORIGINAL_ACCOUNTS[region]}.dkr.ecr.{region}.{domain}/kmeans:1"
    assert estimator(region=region).getModelImage() == uri


def test_unknown_region_lists_the_supported_ones():
    with pytest.raises(UnsupportedRegionError, match="mars-north-1.*Supported regions: af-south-1"):
        estimator(region="mars-north-1")


def test_region_defaults_to_boto3_configuration(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    assert estimator().getTrainingImage().startswith("438346466558.dkr.ecr.eu-west-1.")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION", raising=False)
    with pytest.raises(UnsupportedRegionError, match="no AWS region is configured"):
        estimator()


def test_get_k_before_set_k_says_there_is_no_default_and_what_to_call():
    """sagemaker_pyspark's k defaulted to 2; smspark has none, and says so (a KeyError, as
    pyspark's getOrDefault raises for an unset Param)."""
    with pytest.raises(KeyError) as error:
        estimator().getK()
    assert str(error.value) == "k is not set and has no default in smspark: call setK(value) first"


@pytest.mark.parametrize(
    ("given", "read_back", "sent"),
    [
        ("msd,ssd", "msd,ssd", "[msd,ssd]"),
        ("ssd, msd", "ssd, msd", "[ssd, msd]"),
        ("[msd]", "msd", "[msd]"),
        (["ssd", "msd"], "ssd, msd", "[ssd, msd]"),
    ],
)
def test_eval_metrics_read_back_as_given_and_sent_in_brackets(given, read_back, sent):
    """As sagemaker_pyspark 1.4.5: setEvalMetrics stored '[' + value + ']' and the getter
    stripped the brackets."""
    kmeans = estimator().setK(2).setEvalMetrics(given)
    assert kmeans.getEvalMetrics() == read_back
    assert kmeans.make_hyperparameters()["eval_metrics"] == sent
