"""Every setting of the stages is a typed Spark Param: accessors defined in source (and
current with their declarations), checked when set, listed by explainParams, copied by
copy(extra), and saved as data."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import boto3
import pytest

from smspark_core import accessor_codegen
from smspark_core.aws import ClientSpec
from smspark_core.aws.resources import EndpointCreationPolicy, IAMRole, S3DataPath
from smspark_core.aws.setting import StageSetting
from smspark_core.batch_transform import SageMakerBatchTransformer
from smspark_core.estimator import SageMakerEstimator
from smspark_core.model import SageMakerModel
from smspark_core.transformation.deserializers import XGBoostCSVRowDeserializer
from smspark_core.transformation.serializers import UnlabeledCSVRequestRowSerializer

ROLE = "arn:aws:iam::123456789012:role/r"


def _estimator(**settings):
    return SageMakerEstimator(
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/serve:1",
        "ml.m5.large",
        1,
        "ml.m5.large",
        1,
        UnlabeledCSVRequestRowSerializer(),
        XGBoostCSVRowDeserializer(),
        sagemakerRole=IAMRole(ROLE),
        sagemakerClient=boto3.client("sagemaker", region_name="us-east-1"),
        clientSpec=ClientSpec(region="us-east-1"),
        **settings,
    )


def _model(**settings):
    return SageMakerModel(
        "ml.m5.large",
        1,
        UnlabeledCSVRequestRowSerializer(),
        XGBoostCSVRowDeserializer(),
        existingEndpointName="endpoint-1",
        endpointCreationPolicy=EndpointCreationPolicy.DO_NOT_CREATE,
        sagemakerClient=boto3.client("sagemaker", region_name="us-east-1"),
        clientSpec=ClientSpec(region="us-east-1"),
        **settings,
    )


def test_the_generated_accessors_are_current():
    committed = accessor_codegen.CORE_OUTPUT.read_text()
    fresh = accessor_codegen.generate(accessor_codegen.CORE_SOURCES)
    assert fresh == committed, "run: python -m smspark_core.accessor_codegen"


def _batch_transformer():
    return SageMakerBatchTransformer.from_model_name(
        "model-1",
        UnlabeledCSVRequestRowSerializer(),
        XGBoostCSVRowDeserializer(),
        sagemakerClient=boto3.client("sagemaker", region_name="us-east-1"),
        clientSpec=ClientSpec(region="us-east-1"),
    )


@pytest.mark.parametrize(
    "stage",
    [_estimator, _model, _batch_transformer],
    ids=["estimator", "model", "batch transformer"],
)
def test_every_setting_has_a_setter_and_getter_in_source(stage):
    instance = stage()
    settings = [p for p in instance.params if isinstance(p, StageSetting)]
    assert len(settings) > 25
    explained = instance.explainParams()
    for param in settings:
        suffix = param.name[0].upper() + param.name[1:]
        for accessor in (f"set{suffix}", f"get{suffix}"):
            method = getattr(type(instance), accessor)
            assert Path(inspect.getsourcefile(method)).suffix == ".py", accessor
        assert f"{param.name}: " in explained


def test_values_are_checked_when_set_naming_the_setting():
    estimator = _estimator()
    with pytest.raises(TypeError, match='param "maxConcurrency".*an integer or .auto.'):
        estimator.setMaxConcurrency([4])
    with pytest.raises(ValueError, match="maxConcurrency: must be an integer >= 1 or 'auto'"):
        estimator.setMaxConcurrency("four")
    with pytest.raises(ValueError, match="maxConcurrency: must be at least 1"):
        estimator.setMaxConcurrency(0)
    with pytest.raises(ValueError, match="errorMode: must be one of fail, column"):
        estimator.setErrorMode("ignore")
    with pytest.raises(ValueError, match="trainingInstanceCount must be an integer >= 1"):
        estimator.setTrainingInstanceCount(1.5)
    with pytest.raises(TypeError, match="sagemakerRole"):
        estimator.setSagemakerRole(ROLE)  # a role is an IAMRole, not its text
    with pytest.raises(TypeError, match="unexpected keyword arguments \\['maxConcurency'\\]"):
        _estimator(maxConcurency=3)
    assert estimator.getMaxConcurrency() == "auto"  # a refused value changes nothing
    assert _estimator().setMaxConcurrency(4).getMaxConcurrency() == 4


def test_an_s3_uri_is_taken_as_an_s3_data_path():
    estimator = _estimator(trainingInputS3DataPath="s3://bucket/some/prefix")
    assert estimator.getTrainingInputS3DataPath() == S3DataPath("bucket", "some/prefix")


def test_copy_with_extra_settings_leaves_the_original():
    estimator = _estimator(maxConcurrency=2)
    copied = estimator.copy({estimator.trainingInstanceType: "ml.c5.xlarge"})
    assert copied.getTrainingInstanceType() == "ml.c5.xlarge"
    assert estimator.getTrainingInstanceType() == "ml.m5.large"
    assert copied.getMaxConcurrency() == 2


def test_defaults_are_not_shared_between_stages():
    first, second = _estimator(), _estimator()
    first.getModelEnvironmentVariables()["A"] = "1"
    assert second.getModelEnvironmentVariables() == {}


@pytest.mark.spark
def test_saved_settings_are_data(spark, tmp_path):
    estimator = _estimator(trainingOutputS3DataPath=S3DataPath("out", "prefix"))
    estimator.save(str(tmp_path / "estimator"))
    text = next((tmp_path / "estimator" / "metadata").glob("part-*")).read_text()
    metadata = json.loads(text)
    assert metadata["paramMap"]["sagemakerRole"] == {"type": "IAMRole", "fields": {"role": ROLE}}
    assert metadata["paramMap"]["trainingOutputS3DataPath"] == {
        "type": "S3DataPath",
        "fields": {"bucket": "out", "objectPath": "prefix"},
    }
    assert metadata["paramMap"]["requestRowSerializer"]["name"] == "unlabeled-csv"
    assert metadata["defaultParamMap"]["endpointCreationPolicy"] == "CREATE_ON_CONSTRUCT"
    loaded = SageMakerEstimator.load(str(tmp_path / "estimator"))
    assert loaded.extractParamMap().keys() == estimator.extractParamMap().keys()
    for param, value in estimator.extractParamMap().items():
        assert loaded.getOrDefault(param.name) == value, param.name
