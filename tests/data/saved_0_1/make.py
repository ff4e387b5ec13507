"""Writes the saved stages of this folder: what smspark 0.1.0 (commit ff76340, before every
stage setting became a Param) saved, so that later releases prove they still load them
(tests/porting/test_saved_by_0_1.py). Kept for provenance; running it with a later release
writes that release's format instead.

    AWS_DEFAULT_REGION=eu-west-1 .venv/bin/python tests/data/saved_0_1/make.py
"""

import shutil
from pathlib import Path

from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.feature import VectorAssembler
from pyspark.sql import SparkSession
from smspark_core.resources import CustomNamePolicy, CustomNamePolicyWithTimeStampSuffixFactory
from smspark_kmeans import KMeansProtobufResponseRowDeserializer, KMeansSageMakerEstimator

from smspark_core import (
    EndpointCreationPolicy,
    IAMRole,
    S3DataPath,
    SageMakerEstimator,
    SageMakerModel,
)
from smspark_core.batch_transform import SageMakerBatchTransformer
from smspark_core.transformation.deserializers import XGBoostCSVRowDeserializer
from smspark_core.transformation.serializers import (
    ProtobufRequestRowSerializer,
    UnlabeledCSVRequestRowSerializer,
)

HERE = Path(__file__).parent
ROLE = "arn:aws:iam::123456789012:role/saved"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/saved"


def estimator() -> SageMakerEstimator:
    return SageMakerEstimator(
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/train:2",
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/serve:2",
        "ml.c5.xlarge",
        2,
        "ml.m5.large",
        3,
        UnlabeledCSVRequestRowSerializer(featuresColumnName="vec"),
        XGBoostCSVRowDeserializer(predictionColumnName="score"),
        hyperParameters={"alpha": "0.5", "rounds": "7"},
        trainingInputS3DataPath=S3DataPath("in-bucket", "in/prefix"),
        trainingOutputS3DataPath=S3DataPath("out-bucket", "out/prefix"),
        trainingInstanceVolumeSizeInGB=60,
        trainingProjectedColumns=["vec", "label"],
        trainingChannelName="training",
        trainingContentType="text/csv",
        trainingS3DataDistribution="FullyReplicated",
        trainingSparkDataFormat="csv",
        trainingSparkDataFormatOptions={"header": "false"},
        trainingInputMode="Pipe",
        trainingCompressionCodec="gzip",
        trainingMaxRuntimeInSeconds=3600,
        trainingKmsKeyId=KEY,
        modelEnvironmentVariables={"MODEL_SERVER_WORKERS": "2"},
        endpointCreationPolicy=EndpointCreationPolicy.CREATE_ON_TRANSFORM,
        sagemakerRole=IAMRole(ROLE),
        modelPrependInputRowsToTransformationRows=False,
        deleteStagingDataAfterTraining=False,
        namePolicyFactory=CustomNamePolicyWithTimeStampSuffixFactory(
            "job", "model", "config", "endpoint"
        ),
        uid="SageMakerEstimator_saved01",
        trainingManifest=True,
        pollSeconds=2.5,
        maxConcurrency=6,
        maxRequestBytes=1048576,
        errorMode="column",
        retryDeadlineSeconds=90.0,
        keepFailedResources=True,
        tags={"team": "ml"},
        vpcConfig={"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1"]},
        enableNetworkIsolation=True,
        trainingEnvironment={"MODE": "fast"},
        maximumRetryAttempts=2,
        hostingTags={"cost-center": "42"},
        endpointKmsKeyId=KEY,
    )


def kmeans() -> KMeansSageMakerEstimator:
    return (
        KMeansSageMakerEstimator(
            trainingInstanceType="ml.m5.xlarge",
            trainingInstanceCount=1,
            endpointInstanceType="ml.t2.medium",
            endpointInitialInstanceCount=1,
            sagemakerRole=IAMRole(ROLE),
            uid="KMeansSageMakerEstimator_saved01",
        )
        .setK(10)
        .setFeatureDim(3)
        .setMaxIter(20)
        .setInitMethod("kmeans++")
        .setEvalMetrics("msd,ssd")
    )


def model() -> SageMakerModel:
    return SageMakerModel(
        "ml.m5.large",
        2,
        ProtobufRequestRowSerializer(featuresColumnName="vec"),
        KMeansProtobufResponseRowDeserializer(
            distance_to_cluster_column_name="d", closest_cluster_column_name="c"
        ),
        existingEndpointName="endpoint-saved",
        modelImage="123456789012.dkr.ecr.eu-west-1.amazonaws.com/kmeans:1",
        modelPath="s3://out-bucket/job/output/model.tar.gz",
        modelEnvironmentVariables={"A": "1"},
        modelExecutionRoleARN=ROLE,
        endpointCreationPolicy=EndpointCreationPolicy.DO_NOT_CREATE,
        prependResultRows=False,
        namePolicy=CustomNamePolicy("job", "model-saved", "config-saved", "endpoint-saved"),
        uid="SageMakerModel_saved01",
        maxConcurrency=3,
        maxRequestBytes=2097152,
        maxRowsPerRequest=500,
        errorMode="column",
        retryModelErrors=True,
        retryDeadlineSeconds=45.0,
        endpointPollSeconds=1.5,
        keepFailedResources=True,
        customAttributes="trace=1",
        targetVariant="blue",
        invocationReadTimeoutSeconds=30.0,
    )


def batch_transformer() -> SageMakerBatchTransformer:
    return SageMakerBatchTransformer.from_model_name(
        "model-saved",
        UnlabeledCSVRequestRowSerializer(featuresColumnName="vec"),
        XGBoostCSVRowDeserializer(predictionColumnName="score"),
        instanceType="ml.m5.xlarge",
        instanceCount=2,
        maxPayloadInMB=4,
        stagingS3Uri="s3://stage-bucket/batch",
        tags={"team": "ml"},
        uid="SageMakerBatchTransformer_saved01",
    )


def main() -> None:
    spark = SparkSession.builder.master("local[1]").getOrCreate()
    frame = spark.createDataFrame([(1.0, 2.0, 3.0)], ["a", "b", "c"])
    assembler = VectorAssembler(inputCols=["a", "b", "c"], outputCol="features")
    stages = {
        "estimator": estimator(),
        "kmeans_pipeline": Pipeline(stages=[assembler, kmeans()]),
        "model_pipeline": PipelineModel(stages=[assembler.copy(), model()]),
        "batch_pipeline": PipelineModel(stages=[assembler.copy(), batch_transformer()]),
    }
    for name, stage in stages.items():
        target = HERE / name
        shutil.rmtree(target, ignore_errors=True)
        stage.save(str(target))
    del frame
    spark.stop()


if __name__ == "__main__":
    main()
