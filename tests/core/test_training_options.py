"""Production training options: typed Params with CreateTrainingJob's field names, checked
before any AWS call, written into exactly the request fields botocore's model defines, never
sent as hyperparameters, and persisted."""

from __future__ import annotations

import boto3
import pytest
from botocore.validate import validate_parameters

from smspark_core import IAMRole, S3DataPath
from smspark_core.aws.training_options import TrainingOptionError
from smspark_core.estimator import SageMakerEstimator
from smspark_core.executor.staging import StagedData
from smspark_core.transformation.deserializers import XGBoostCSVRowDeserializer
from smspark_core.transformation.serializers import UnlabeledCSVRequestRowSerializer

ROLE = "arn:aws:iam::123456789012:role/r"
OPTIONS = {
    "tags": {"team": "ml", "cost-center": "42"},
    "vpcConfig": {"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1", "subnet-2"]},
    "enableNetworkIsolation": True,
    "enableInterContainerTrafficEncryption": True,
    "trainingVolumeKmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/k",
    "enableManagedSpotTraining": True,
    "maxWaitTimeInSeconds": 7200,
    "checkpointS3Uri": "s3://bucket/checkpoints",
    "checkpointLocalPath": "/opt/ml/checkpoints",
    "trainingEnvironment": {"OMP_NUM_THREADS": "2"},
    "maximumRetryAttempts": 3,
    "keepAlivePeriodInSeconds": 600,
    "metricDefinitions": {"train:loss": r"loss=(\S+)"},
}


def _estimator(**kwargs):
    return SageMakerEstimator(
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1",
        "ml.m5.large",
        1,
        "ml.m5.large",
        1,
        UnlabeledCSVRequestRowSerializer(),
        XGBoostCSVRowDeserializer(),
        sagemakerRole=IAMRole(ROLE),
        trainingMaxRuntimeInSeconds=3600,
        sagemakerClient=boto3.client("sagemaker", region_name="us-east-1"),
        **kwargs,
    )


def _request(estimator):
    staged = StagedData("s3://bucket/staging/job/", "S3Prefix", "s3://bucket/staging/job/")
    request = estimator._training_request(
        "job", ROLE, staged, S3DataPath("bucket", "out"), {"epochs": "3"}
    )
    shape = estimator.sagemakerClient.meta.service_model.operation_model(
        "CreateTrainingJob"
    ).input_shape
    validate_parameters(request, shape)  # every field where botocore's model puts it
    return request


def test_unset_options_leave_the_original_request():
    request = _request(_estimator())
    assert set(request) == {
        "TrainingJobName",
        "AlgorithmSpecification",
        "RoleArn",
        "InputDataConfig",
        "OutputDataConfig",
        "ResourceConfig",
        "StoppingCondition",
        "HyperParameters",
    }


def test_every_option_lands_in_its_request_field():
    request = _request(_estimator(**OPTIONS))
    assert request["Tags"] == [
        {"Key": "team", "Value": "ml"},
        {"Key": "cost-center", "Value": "42"},
    ]
    assert request["VpcConfig"] == OPTIONS["vpcConfig"]
    assert request["EnableNetworkIsolation"] is True
    assert request["EnableInterContainerTrafficEncryption"] is True
    assert request["EnableManagedSpotTraining"] is True
    assert request["Environment"] == {"OMP_NUM_THREADS": "2"}
    assert request["ResourceConfig"]["VolumeKmsKeyId"] == OPTIONS["trainingVolumeKmsKeyId"]
    assert request["ResourceConfig"]["KeepAlivePeriodInSeconds"] == 600
    assert request["StoppingCondition"] == {
        "MaxRuntimeInSeconds": 3600,
        "MaxWaitTimeInSeconds": 7200,
    }
    assert request["CheckpointConfig"] == {
        "S3Uri": "s3://bucket/checkpoints",
        "LocalPath": "/opt/ml/checkpoints",
    }
    assert request["RetryStrategy"] == {"MaximumRetryAttempts": 3}
    assert request["AlgorithmSpecification"]["MetricDefinitions"] == [
        {"Name": "train:loss", "Regex": r"loss=(\S+)"}
    ]
    assert request["HyperParameters"] == {"epochs": "3"}  # options are no hyperparameters


def test_options_are_params_with_setters_and_getters():
    estimator = _estimator().setTags([{"Key": "a", "Value": "b"}]).setMaximumRetryAttempts(2)
    assert estimator.getTags() == [{"Key": "a", "Value": "b"}]
    assert estimator.getMaximumRetryAttempts() == 2
    assert "vpcConfig" in estimator.explainParams()
    assert estimator.make_hyperparameters() == {}
    assert estimator.copy().getMaximumRetryAttempts() == 2
    with pytest.raises(TypeError, match="tags"):
        estimator.setTags("team=ml")


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"enableManagedSpotTraining": True}, "StoppingCondition.MaxWaitTimeInSeconds"),
        ({"maxWaitTimeInSeconds": 7200}, "StoppingCondition.MaxWaitTimeInSeconds"),
        (
            {"enableManagedSpotTraining": True, "maxWaitTimeInSeconds": 60},
            "StoppingCondition.MaxWaitTimeInSeconds",
        ),
        ({"checkpointS3Uri": "bucket/checkpoints"}, "CheckpointConfig.S3Uri"),
        ({"checkpointLocalPath": "/opt/ml/checkpoints"}, "CheckpointConfig.S3Uri"),
        ({"maximumRetryAttempts": 31}, "RetryStrategy.MaximumRetryAttempts"),
        ({"keepAlivePeriodInSeconds": 3601}, "ResourceConfig.KeepAlivePeriodInSeconds"),
        ({"trainingEnvironment": {"1BAD": "x"}}, "Environment"),
        ({"tags": {f"k{i}": "v" for i in range(51)}}, "Tags"),
        ({"vpcConfig": {"SecurityGroupIds": [], "Subnets": ["s"]}}, "VpcConfig.SecurityGroupIds"),
        ({"metricDefinitions": {"m": "("}}, "AlgorithmSpecification.MetricDefinitions"),
    ],
)
def test_bad_options_fail_before_any_aws_call(options, field):
    """``fit`` checks them first: the client is a Stubber with nothing queued, and the data
    set is never looked at."""
    from botocore.stub import Stubber

    estimator = _estimator(**options)
    with Stubber(estimator.sagemakerClient), pytest.raises(TrainingOptionError, match=field):
        estimator.fit(object())


@pytest.mark.spark
def test_options_are_persisted(spark, tmp_path):
    estimator = _estimator(**OPTIONS)
    estimator.save(str(tmp_path / "e"))
    loaded = SageMakerEstimator.load(str(tmp_path / "e"))
    assert _request(loaded) == _request(estimator)
