"""XGBoostSageMakerEstimator's Params (every one, valid and invalid), the checks at fit,
image URIs of both generations, and its codecs on the golden cases."""

from __future__ import annotations

import pytest
from algorithm_helpers import check_setters, make_estimator
from golden import assert_deserializer_matches, deserializer_cases, load
from pyspark.sql.types import StructType
from reference_tables import ORIGINAL_APPLICATIONS_ACCOUNTS, ecr_domain
from smspark_xgboost import XGBoostProbabilitiesRowDeserializer, XGBoostSageMakerEstimator

from smspark_core.algorithms.estimator import MissingHyperParameterError
from smspark_core.transformation.deserializers import XGBoostCSVRowDeserializer
from smspark_core.transformation.serializers import (
    LibSVMRequestRowSerializer,
    UnlabeledCSVRequestRowSerializer,
)


def estimator(local=None, **kwargs) -> XGBoostSageMakerEstimator:
    return make_estimator(XGBoostSageMakerEstimator, local, **kwargs)


# setter suffix, valid values, invalid values (ValueError unless a type is given)
CASES = [
    ("Booster", ["gbtree", "gblinear", "dart"], ["forest", 1]),
    ("Silent", [0, 1], [2, -1]),
    ("Verbosity", [0, 3], [4]),
    ("NThread", [1, 8], [0]),
    ("Eta", [0.0, 0.3, 1.0], [-0.1, 1.5, ("0.3", TypeError)]),
    ("Gamma", [0.0, 5.0], [-1.0]),
    ("MaxDepth", [0, 6], [-1, (2.5, TypeError)]),
    ("MinChildWeight", [0.0, 1.0], [-0.5]),
    ("MaxDeltaStep", [0.0, 2.0], [-1.0]),
    ("Subsample", [0.1, 1.0], [0.0, 1.1]),
    ("ColSampleByTree", [0.5, 1.0], [0.0]),
    ("ColSampleByLevel", [0.5, 1.0], [1.01]),
    ("ColSampleByNode", [0.5, 1.0], [0.0]),
    ("Lambda", [0.0, 1.0, 10.0], [-1.0]),
    ("Alpha", [0.0, 0.5], [-0.5]),
    ("TreeMethod", ["auto", "exact", "approx", "hist"], ["gpu"]),
    ("SketchEps", [0.03, 0.5], [0.0, 1.0]),
    ("ScalePosWeight", [0.0, 0.5, 3.0], [-1.0]),
    ("Updater", ["grow_colmaker,prune", "refresh"], ["grow_colmaker,oops", ""]),
    ("RefreshLeaf", [0, 1], [2, 0.5]),
    ("ProcessType", ["default", "update"], ["other"]),
    ("GrowPolicy", ["depthwise", "lossguide"], ["breadth"]),
    ("MaxLeaves", [0, 31], [-1]),
    ("MaxBin", [1, 256], [0]),
    ("SampleType", ["uniform", "weighted"], ["random"]),
    ("NormalizeType", ["tree", "forest"], ["leaf"]),
    ("RateDrop", [0.0, 1.0], [1.5]),
    ("OneDrop", [0, 1], [3, 0.5]),
    ("SkipDrop", [0.0, 0.5], [-0.1]),
    ("LambdaBias", [0.0, 1.0], [2.0]),
    ("TweedieVariancePower", [1.5, 1.99], [1.0, 2.0]),
    ("Objective", ["binary:logitraw", "multi:softprob", "reg:squarederror"], ["binary:logistraw"]),
    ("NumClasses", [1, 10], [0]),
    ("BaseScore", [0.5, -2.0], [("0.5", TypeError)]),
    (
        "EvalMetric",
        ["rmse", "error@0.7,auc", "ndcg@5-", "map@3"],
        ["accuracy", "rmse,", "error@t", "ndcg@n", "ndcg@n-", "map@n-"],
    ),
    ("Seed", [0, 42], [("x", TypeError)]),
    ("NumRound", [1, 100], [0]),
    ("EarlyStoppingRounds", [1, 10], [0]),
    ("CsvWeights", [0, 1], [2]),
    ("MonotoneConstraints", ["(1,-1,0)", "(0)"], ["[1,2]", "(2)"]),
    ("InteractionConstraints", ["[[0, 1], [2, 3]]", "[]"], ["0,1", "[[a]]"]),
    ("NumParallelTree", [1, 4], [0]),
]


@pytest.mark.parametrize("suffix, valid, invalid", CASES, ids=[c[0] for c in CASES])
def test_every_param_valid_and_invalid(suffix, valid, invalid):
    check_setters(estimator(), suffix, valid, invalid)


def test_lambda_is_sent_as_lambda():
    xgb = estimator().setNumRound(5).setLambda(2.5)
    assert xgb.make_hyperparameters() == {"num_round": "5", "lambda": "2.5"}
    assert xgb.getParam("lambda").name == "lambda"


def test_no_client_side_defaults_and_codec_defaults():
    xgb = estimator()
    assert xgb.make_hyperparameters() == {}
    assert isinstance(xgb.getRequestRowSerializer(), LibSVMRequestRowSerializer)
    assert isinstance(xgb.getResponseRowDeserializer(), XGBoostCSVRowDeserializer)
    assert (xgb.getTrainingSparkDataFormat(), xgb.getTrainingContentType()) == ("libsvm", "libsvm")
    for fmt, content_type in [
        ("csv", "text/csv"),
        ("parquet", "application/x-parquet"),
        ("sagemaker", "application/x-recordio-protobuf"),
    ]:
        dense = estimator(trainingSparkDataFormat=fmt)
        assert dense.getTrainingContentType() == content_type
        assert isinstance(dense.getRequestRowSerializer(), UnlabeledCSVRequestRowSerializer)


def test_required_and_version_checks_before_any_aws_call():
    schema = StructType([])
    with pytest.raises(MissingHyperParameterError, match="num_round"):
        estimator().transformSchema(schema)
    with pytest.raises(MissingHyperParameterError, match="needs num_class"):
        estimator().setNumRound(3).setObjective("multi:softmax").transformSchema(schema)
    estimator().setNumRound(3).setObjective("multi:softmax").setNumClasses(3).transformSchema(
        schema
    )
    legacy = estimator(imageVersion="1").setNumRound(3).setVerbosity(1).setColSampleByNode(0.5)
    with pytest.raises(
        ValueError, match="verbosity, colsample_bynode cannot be used with imageVersion '1'"
    ):
        legacy.transformSchema(schema)
    estimator().setNumRound(3).setSilent(1).transformSchema(schema)  # translated, below
    estimator(imageVersion="1").setNumRound(3).setSilent(1).transformSchema(schema)


@pytest.mark.parametrize(("silent", "verbosity"), [(0, "1"), (1, "0")])
def test_silent_is_sent_as_verbosity_on_current_images(silent, verbosity, caplog):
    """The official XGBoost notebook calls setSilent(0): a ported program must still train."""
    hyperparameters = estimator().setNumRound(3).setSilent(silent).make_hyperparameters()
    assert "silent" not in hyperparameters
    assert hyperparameters["verbosity"] == verbosity
    assert f"silent={silent} is sent as verbosity={verbosity}" in caplog.text


def test_explicit_verbosity_wins_over_silent(caplog):
    xgb = estimator().setNumRound(3).setSilent(1).setVerbosity(2)
    hyperparameters = xgb.make_hyperparameters()
    assert (hyperparameters.get("silent"), hyperparameters["verbosity"]) == (None, "2")
    assert "silent=1 is not sent" in caplog.text


def test_the_legacy_image_gets_silent_unchanged():
    hyperparameters = estimator(imageVersion="1").setNumRound(3).setSilent(0).make_hyperparameters()
    assert hyperparameters["silent"] == "0"
    assert "verbosity" not in hyperparameters


def test_softprob_models_read_probability_vectors():
    xgb = estimator().setObjective("multi:softprob")
    assert isinstance(xgb.model_deserializer(), XGBoostProbabilitiesRowDeserializer)
    assert isinstance(
        xgb.setObjective("multi:softmax").model_deserializer(), XGBoostCSVRowDeserializer
    )
    custom = XGBoostProbabilitiesRowDeserializer("p")
    assert (
        estimator(responseRowDeserializer=custom)
        .setObjective("multi:softprob")
        .model_deserializer()
        is custom
    )


@pytest.mark.parametrize("region", sorted(ORIGINAL_APPLICATIONS_ACCOUNTS))
def test_legacy_image_in_every_region_of_the_original(region):
    uri = estimator(region=region, imageVersion="1").getTrainingImage()
    assert uri == (
        f"{ORIGINAL_APPLICATIONS_ACCOUNTS[region]}.dkr.ecr.{region}.{ecr_domain(region)}/xgboost:1"
    )


@pytest.mark.parametrize(
    "region, version, expected",
    [
        (
            "us-east-1",
            "1.7-1",
            "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
        ),
        (
            "eu-west-1",
            "3.0-5",
            "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:3.0-5",
        ),
        (
            "us-west-2",
            "1.0-1",
            "246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.0-1-cpu-py3",
        ),
        (
            "cn-north-1",
            "1.5-1",
            "450853457545.dkr.ecr.cn-north-1.amazonaws.com.cn/sagemaker-xgboost:1.5-1",
        ),
    ],
)
def test_current_images(region, version, expected):
    xgb = estimator(region=region, imageVersion=version)
    assert xgb.getTrainingImage() == xgb.getModelImage() == expected
    assert xgb.imageVersion == version


def test_bad_version_and_region():
    with pytest.raises(ValueError, match="imageVersion '0.72' is not a SageMaker XGBoost version"):
        estimator(imageVersion="0.72")
    with pytest.raises(ValueError, match="not supported.*Supported regions"):
        estimator(region="mars-1")


@pytest.mark.parametrize(
    "case",
    [
        c
        for c in deserializer_cases()
        if c["name"].startswith("xgboost_")
        and c["name"] not in ("xgboost_empty", "xgboost_newline_separated")
    ],
    ids=lambda c: c["name"],
)
def test_default_deserializer_on_golden_cases(case):
    golden = load("deserializers", case["name"])
    deserializer = XGBoostCSVRowDeserializer(*golden["args"])
    assert type(estimator().getResponseRowDeserializer()) is type(deserializer)
    assert_deserializer_matches(deserializer, golden, case["error"])


def test_predictions_by_comma_newline_or_json():
    deserializer = estimator().getResponseRowDeserializer()
    for body in [
        b"0.1,0.9\n",
        b"0.1\n0.9\n",
        b'{"predictions":[{"score":0.1},{"score":0.9}]}',
        b'{"score":0.1}\n{"score":0.9}\n',
    ]:
        assert [r.prediction for r in deserializer.deserialize_response(body)] == [0.1, 0.9]
    probabilities = XGBoostProbabilitiesRowDeserializer()
    for body in [
        b"0.2,0.8\n0.6,0.4\n",
        b'{"predictions":[{"score":[0.2,0.8]},{"score":[0.6,0.4]}]}',
    ]:
        rows = probabilities.deserialize_response(body)
        assert [r.probabilities.toArray().tolist() for r in rows] == [[0.2, 0.8], [0.6, 0.4]]


def test_is_listed_by_the_algorithms_namespace():
    from smspark_core.algorithms import XGBoostSageMakerEstimator as ported

    assert ported is XGBoostSageMakerEstimator


def test_lambda_weights_is_the_originals_name_of_the_lambda_param():
    """sagemaker_pyspark declared XGBoostSageMakerEstimator.lambda_weights; it is the same
    Param as lambda, on the class, on an instance, after uid= and after copy()."""
    assert XGBoostSageMakerEstimator.lambda_weights.name == "lambda"
    xgb = estimator(uid="xgb-1").setLambda(2.5)
    assert xgb.lambda_weights == xgb.getParam("lambda")
    assert xgb.lambda_weights.parent == "xgb-1"
    assert xgb.getOrDefault(xgb.lambda_weights) == 2.5
    xgb._set(lambda_weights=3.5)  # what the original's setLambda did
    assert xgb.getLambda() == 3.5
    assert [p.name for p in xgb.params].count("lambda") == 1
    copied = xgb.copy()
    assert copied.getOrDefault(copied.lambda_weights) == 3.5


def test_eval_metric_error_lists_only_metrics_xgboost_takes():
    with pytest.raises(ValueError) as error:
        estimator().setEvalMetric("error@t")
    allowed = str(error.value).split("must be", 1)[1].rsplit(", got", 1)[0]
    for placeholder in ("error@t", "ndcg@n", "map@n-"):
        assert placeholder not in allowed.replace(", ", " ").split()
    assert "error@0.6" in allowed and "ndcg@5" in allowed


def test_sketch_eps_is_sent_as_max_bin_on_current_images(caplog):
    values = estimator().setNumRound(3).setSketchEps(0.03).make_hyperparameters()
    assert ("sketch_eps" in values, values["max_bin"]) == (False, "33")
    assert "sketch_eps=0.03 is sent as max_bin=33" in caplog.text
    explicit = estimator().setNumRound(3).setSketchEps(0.03).setMaxBin(64).make_hyperparameters()
    assert ("sketch_eps" in explicit, explicit["max_bin"]) == (False, "64")
    older = estimator(imageVersion="1.5-1").setNumRound(3).setSketchEps(0.03)
    assert older.make_hyperparameters()["sketch_eps"] == "0.03"


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda x: x.setLambdaBias(0.1), "lambda_bias cannot be used with imageVersion '1.7-1'"),
        (
            lambda x: x.setUpdater("distcol,prune"),
            "updater distcol cannot be used with imageVersion '1.7-1'",
        ),
        (
            lambda x: x.setUpdater("grow_local_histmaker, grow_skmaker"),
            "updater grow_local_histmaker, grow_skmaker cannot be used",
        ),
    ],
)
def test_legacy_values_without_an_equivalent_fail_before_any_aws_call(setup, message):
    xgb = setup(estimator().setNumRound(3))
    with pytest.raises(ValueError, match=message):
        xgb.transformSchema(StructType([]))
    # The legacy image still takes them.
    setup(estimator(imageVersion="1").setNumRound(3)).transformSchema(StructType([]))
    estimator().setNumRound(3).setUpdater("grow_colmaker,prune").transformSchema(StructType([]))
