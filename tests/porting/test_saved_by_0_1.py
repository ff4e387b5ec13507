"""Stages saved by smspark 0.1, before every setting was a Param (``tests/data/saved_0_1``,
written by its ``make.py`` at that release), load with every value, alone and inside
pipelines, and save again in the current format."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyspark.ml import Pipeline, PipelineModel

from smspark_core import EndpointCreationPolicy, IAMRole, S3DataPath, SageMakerEstimator
from smspark_core.aws.resources import CustomNamePolicyWithTimeStampSuffixFactory
from smspark_core.batch_transform import SageMakerBatchTransformer
from smspark_core.model import SageMakerModel

pytestmark = pytest.mark.spark

SAVED = Path(__file__).parents[1] / "data" / "saved_0_1"
ROLE = "arn:aws:iam::123456789012:role/saved"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/saved"


def _check_estimator(estimator: SageMakerEstimator) -> None:
    assert estimator.uid == "SageMakerEstimator_saved01"
    assert all(param.parent == estimator.uid for param in estimator.params)
    assert estimator.getTrainingImage() == "123456789012.dkr.ecr.eu-west-1.amazonaws.com/train:2"
    assert estimator.getModelImage() == "123456789012.dkr.ecr.eu-west-1.amazonaws.com/serve:2"
    assert (estimator.getTrainingInstanceType(), estimator.getTrainingInstanceCount()) == (
        "ml.c5.xlarge",
        2,
    )
    assert (estimator.getEndpointInstanceType(), estimator.getEndpointInitialInstanceCount()) == (
        "ml.m5.large",
        3,
    )
    assert estimator.getRequestRowSerializer().config() == {"featuresColumnName": "vec"}
    assert estimator.getResponseRowDeserializer().config() == {"predictionColumnName": "score"}
    assert estimator.getHyperParameters() == {"alpha": "0.5", "rounds": "7"}
    assert estimator.getTrainingInputS3DataPath() == S3DataPath("in-bucket", "in/prefix")
    assert estimator.getTrainingOutputS3DataPath() == S3DataPath("out-bucket", "out/prefix")
    assert estimator.getTrainingInstanceVolumeSizeInGB() == 60
    assert estimator.getTrainingProjectedColumns() == ["vec", "label"]
    assert estimator.getTrainingChannelName() == "training"
    assert estimator.getTrainingContentType() == "text/csv"
    assert estimator.getTrainingS3DataDistribution() == "FullyReplicated"
    assert estimator.getTrainingSparkDataFormat() == "csv"
    assert estimator.getTrainingSparkDataFormatOptions() == {"header": "false"}
    assert estimator.getTrainingInputMode() == "Pipe"
    assert estimator.getTrainingCompressionCodec() == "gzip"
    assert estimator.getTrainingMaxRuntimeInSeconds() == 3600
    assert estimator.getTrainingKmsKeyId() == KEY
    assert estimator.getModelEnvironmentVariables() == {"MODEL_SERVER_WORKERS": "2"}
    assert estimator.getEndpointCreationPolicy() == EndpointCreationPolicy.CREATE_ON_TRANSFORM
    assert estimator.getSagemakerRole() == IAMRole(ROLE)
    assert estimator.getModelPrependInputRowsToTransformationRows() is False
    assert estimator.getDeleteStagingDataAfterTraining() is False
    assert estimator.getNamePolicyFactory() == CustomNamePolicyWithTimeStampSuffixFactory(
        "job", "model", "config", "endpoint"
    )
    assert estimator.getTrainingManifest() is True and estimator.getPollSeconds() == 2.5
    assert (estimator.getMaxConcurrency(), estimator.getMaxRequestBytes()) == (6, 1048576)
    assert estimator.getErrorMode() == "column" and estimator.getRetryDeadlineSeconds() == 90.0
    assert estimator.getKeepFailedResources() is True
    assert estimator.getTags() == [{"Key": "team", "Value": "ml"}]
    assert estimator.getVpcConfig() == {"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1"]}
    assert estimator.getEnableNetworkIsolation() is True
    assert estimator.getTrainingEnvironment() == {"MODE": "fast"}
    assert estimator.getMaximumRetryAttempts() == 2
    assert estimator.getHostingTags() == [{"Key": "cost-center", "Value": "42"}]
    assert estimator.getEndpointKmsKeyId() == KEY
    assert estimator.clientSpec.region == "eu-west-1"


def _check_model(model: SageMakerModel) -> None:
    assert model.uid == "SageMakerModel_saved01"
    assert (model.getEndpointInstanceType(), model.getEndpointInitialInstanceCount()) == (
        "ml.m5.large",
        2,
    )
    assert model.endpointName == "endpoint-saved"
    assert model.getEndpointCreationPolicy() == EndpointCreationPolicy.DO_NOT_CREATE
    assert model.getModelPath() == S3DataPath("out-bucket", "job/output/model.tar.gz")
    assert model.getModelEnvironmentVariables() == {"A": "1"}
    assert model.getModelExecutionRoleARN() == ROLE
    assert model.getPrependResultRows() is False
    assert model.getNamePolicy().modelName == "model-saved"
    deserializer = model.getResponseRowDeserializer()
    assert deserializer.schema.names == ["d", "c"]
    assert model.getMaxConcurrency() == 3 and model.getMaxRowsPerRequest() == 500
    assert model.getMaxRequestBytes() == 2097152 and model.getErrorMode() == "column"
    assert model.getRetryModelErrors() is True and model.getRetryDeadlineSeconds() == 45.0
    assert model.getEndpointPollSeconds() == 1.5 and model.getKeepFailedResources() is True
    assert model.getCustomAttributes() == "trace=1" and model.getTargetVariant() == "blue"
    assert model.getInvocationReadTimeoutSeconds() == 30.0


def test_an_estimator_saved_by_0_1_loads_with_every_setting(spark, tmp_path):
    estimator = SageMakerEstimator.load(str(SAVED / "estimator"))
    _check_estimator(estimator)
    estimator.save(str(tmp_path / "again"))  # and saves again in the current format
    _check_estimator(SageMakerEstimator.load(str(tmp_path / "again")))


def test_an_unfitted_pipeline_saved_by_0_1_loads(spark):
    kmeans = Pipeline.load(str(SAVED / "kmeans_pipeline")).getStages()[1]
    assert kmeans.uid == "KMeansSageMakerEstimator_saved01"
    assert (kmeans.getK(), kmeans.getFeatureDim(), kmeans.getMaxIter()) == (10, 3, 20)
    assert kmeans.getInitMethod() == "kmeans++"
    assert kmeans.getSagemakerRole() == IAMRole(ROLE)
    assert kmeans.getTrainingInstanceType() == "ml.m5.xlarge"
    assert kmeans.make_hyperparameters()["k"] == "10"


def test_a_fitted_pipeline_saved_by_0_1_loads_its_model(spark, tmp_path):
    model = PipelineModel.load(str(SAVED / "model_pipeline")).stages[1]
    _check_model(model)
    model.save(str(tmp_path / "again"))
    _check_model(SageMakerModel.load(str(tmp_path / "again")))


def test_a_batch_transformer_saved_by_0_1_loads(spark):
    stage = PipelineModel.load(str(SAVED / "batch_pipeline")).stages[1]
    assert isinstance(stage, SageMakerBatchTransformer)
    assert stage.uid == "SageMakerBatchTransformer_saved01"
    assert stage.getModelName() == "model-saved" and stage.getInstanceCount() == 2
    assert stage.getMaxPayloadInMB() == 4 and stage.getStagingS3Uri() == "s3://stage-bucket/batch"
