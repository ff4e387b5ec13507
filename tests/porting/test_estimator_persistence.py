"""Every estimator class round-trips through save and load with every Param set (each
hyperparameter, and each training and hosting option): alone, inside an unfitted Pipeline,
and (as the model it returns) inside a fitted PipelineModel, including one that a real
``fit()`` on the local backend returned. A ``uid`` given to a constructor is the stage's uid,
and its Params belong to it."""

from __future__ import annotations

import pytest
from algorithm_helpers import INSTANCES, ROLE
from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.feature import VectorAssembler
from pyspark.sql.types import DoubleType, StructField, StructType
from smspark_factorizationmachines import (
    FactorizationMachinesBinaryClassifier,
    FactorizationMachinesRegressor,
)
from smspark_kmeans import KMeansSageMakerEstimator
from smspark_knn import KNNSageMakerEstimator
from smspark_lda import LDASageMakerEstimator
from smspark_linearlearner import (
    LinearLearnerBinaryClassifier,
    LinearLearnerMultiClassClassifier,
    LinearLearnerRegressor,
)
from smspark_local.session import delete_endpoints
from smspark_pca import PCASageMakerEstimator
from smspark_randomcutforest import RandomCutForestSageMakerEstimator
from smspark_xgboost import XGBoostSageMakerEstimator

from smspark_core import (
    EndpointCreationPolicy,
    IAMRole,
    S3DataPath,
    SageMakerEstimator,
    SageMakerModel,
)
from smspark_core.algorithms.params import HyperParameter
from smspark_core.aws.resources import CustomNamePolicyFactory
from smspark_core.aws.setting import StageSetting
from smspark_core.transformation.deserializers import ProtobufResponseRowDeserializer
from smspark_core.transformation.serializers import ProtobufRequestRowSerializer

ALGORITHMS = [
    KMeansSageMakerEstimator,
    PCASageMakerEstimator,
    LinearLearnerBinaryClassifier,
    LinearLearnerMultiClassClassifier,
    LinearLearnerRegressor,
    XGBoostSageMakerEstimator,
    FactorizationMachinesBinaryClassifier,
    FactorizationMachinesRegressor,
    LDASageMakerEstimator,
    KNNSageMakerEstimator,
    RandomCutForestSageMakerEstimator,
]
# Tried in order until the Param takes one: together they cover every Param's domain.
CANDIDATES = [True, 3, 0.5, 1.5, 1, 0, -1, "auto", "msd", "rmse", "prune", "(1,0)", "[[0, 1]]"]
CANDIDATES += [100, 1000, "accuracy"]  # Random Cut Forest's num_trees, mini_batch_size, metrics
SETTINGS = {
    "trainingInputS3DataPath": S3DataPath("in-bucket", "in/prefix"),
    "trainingOutputS3DataPath": S3DataPath("out-bucket", "out"),
    "trainingInstanceVolumeSizeInGB": 2048,
    "trainingMaxRuntimeInSeconds": 3600,
    "endpointCreationPolicy": EndpointCreationPolicy.CREATE_ON_TRANSFORM,
}


# A value for each training option (TrainingOptions) and hosting option (HostingOptions).
STAGE_SETTINGS = {
    "tags": [{"Key": "team", "Value": "ml"}],
    "vpcConfig": {"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1"]},
    "enableNetworkIsolation": True,
    "enableInterContainerTrafficEncryption": True,
    "trainingVolumeKmsKeyId": "training-key",
    "enableManagedSpotTraining": True,
    "maxWaitTimeInSeconds": 7200,
    "checkpointS3Uri": "s3://checkpoints/job",
    "checkpointLocalPath": "/opt/ml/checkpoints",
    "trainingEnvironment": {"OMP_NUM_THREADS": "1"},
    "maximumRetryAttempts": 3,
    "keepAlivePeriodInSeconds": 600,
    "metricDefinitions": [{"Name": "loss", "Regex": "loss=(\\S+)"}],
    "hostingTags": [{"Key": "stage", "Value": "prod"}],
    "modelVpcConfig": {"SecurityGroupIds": ["sg-2"], "Subnets": ["subnet-2"]},
    "modelEnableNetworkIsolation": True,
    "endpointKmsKeyId": "endpoint-key",
    "dataCaptureDestinationS3Uri": "s3://capture/here",
    "dataCaptureInitialSamplingPercentage": 50,
    "dataCaptureOptions": ["Input"],
    "dataCaptureKmsKeyId": "capture-key",
    "serverlessMemorySizeInMB": 2048,
    "serverlessMaxConcurrency": 5,
    "initialVariantWeight": 2.0,
    "additionalProductionVariants": [
        {"VariantName": "B", "ModelName": "model-b", "InitialVariantWeight": 1.0}
    ],
    # The stage settings every estimator has (smspark_core.stage_params).
    "trainingImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/custom:7",
    "modelImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/custom-serve:7",
    "trainingInstanceType": "ml.c5.2xlarge",
    "trainingInstanceCount": 2,
    "endpointInstanceType": "ml.m5.xlarge",
    "endpointInitialInstanceCount": 3,
    "requestRowSerializer": ProtobufRequestRowSerializer(featuresColumnName="vec"),
    "hyperParameters": {"extra": "1"},
    "sagemakerRole": IAMRole("arn:aws:iam::123456789012:role/other"),
    "trainingInputS3DataPath": S3DataPath("in-bucket", "in/prefix"),
    "trainingOutputS3DataPath": S3DataPath("out-bucket", "out"),
    "trainingInstanceVolumeSizeInGB": 2048,
    "trainingProjectedColumns": ["vec", "label"],
    "trainingChannelName": "training",
    "trainingContentType": "application/x-recordio-protobuf",
    "trainingS3DataDistribution": "FullyReplicated",
    "trainingSparkDataFormat": "sagemaker",
    "trainingSparkDataFormatOptions": {"featuresColumnName": "vec"},
    "trainingInputMode": "Pipe",
    "trainingCompressionCodec": "gzip",
    "trainingMaxRuntimeInSeconds": 3600,
    "trainingKmsKeyId": "output-key",
    "modelEnvironmentVariables": {"A": "1"},
    "endpointCreationPolicy": EndpointCreationPolicy.CREATE_ON_TRANSFORM,
    "modelPrependInputRowsToTransformationRows": False,
    "deleteStagingDataAfterTraining": False,
    "namePolicyFactory": CustomNamePolicyFactory("job", "model", "config", "endpoint"),
    "trainingManifest": True,
    "pollSeconds": 0.5,
    "keepFailedResources": True,
    "maxConcurrency": 6,
    "maxRequestBytes": 1048576,
    "maxRowsPerRequest": 100,
    "errorMode": "column",
    "retryModelErrors": True,
    "retryDeadlineSeconds": 30.0,
}
# The settings one algorithm's estimator adds to those every stage has.
ALGORITHM_SETTINGS = {"testIndicatorColumnName": "is_test"}  # Random Cut Forest's test channel


def _set_every_param(stage) -> dict[str, object]:
    """Sets each Param of ``stage`` (hyperparameters and training and hosting options) to a
    valid value; returns name -> value."""
    values = {}
    for param in [p for p in stage.params if isinstance(p, StageSetting)]:
        if param.name == "responseRowDeserializer":  # the algorithm's own, set explicitly
            stage.set(param, stage.getOrDefault(param))
        else:
            known = {**STAGE_SETTINGS, **ALGORITHM_SETTINGS}
            assert param.name in known, f"no test value for the setting {param.name}"
            stage.set(param, known[param.name])
        values[param.name] = stage.getOrDefault(param)
    for param in [p for p in stage.params if isinstance(p, HyperParameter)]:
        for candidate in (param.choices[-1],) if param.choices else CANDIDATES:
            try:
                stage.set(param, candidate)
            except (TypeError, ValueError):
                continue
            values[param.name] = stage.getOrDefault(param)
            break
        else:
            raise AssertionError(f"no candidate value fits {param.name}: {param.doc}")
    return values


def _estimator(cls, uid="sagemaker"):
    if cls is SageMakerEstimator:
        return SageMakerEstimator(
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/serve:1",
            requestRowSerializer=ProtobufRequestRowSerializer(),
            responseRowDeserializer=ProtobufResponseRowDeserializer(
                StructType([StructField("score", DoubleType())])
            ),
            hyperParameters={"epochs": "3"},
            sagemakerRole=IAMRole(ROLE),
            uid=uid,
            **INSTANCES,
            **SETTINGS,
        )
    return cls(sagemakerRole=IAMRole(ROLE), uid=uid, **INSTANCES, **SETTINGS)


def _param_values(stage) -> dict[str, object]:
    return {p.name: v for p, v in stage.extractParamMap().items()}


def _assert_same_estimator(loaded, original) -> None:
    assert type(loaded) is type(original)
    assert loaded.uid == original.uid
    assert all(p.parent == loaded.uid for p in loaded.params)
    got, want = _param_values(loaded), _param_values(original)
    assert got == want
    assert {k: type(v) for k, v in got.items()} == {k: type(v) for k, v in want.items()}
    assert loaded.make_hyperparameters() == original.make_hyperparameters()
    for name in ("trainingImage", "trainingInstanceVolumeSizeInGB", "endpointCreationPolicy"):
        assert getattr(loaded, name) == getattr(original, name), name
    assert loaded.getTrainingInputS3DataPath().to_s3_uri() == "s3://in-bucket/in/prefix"
    assert type(loaded.getResponseRowDeserializer()) is type(original.getResponseRowDeserializer())


@pytest.mark.parametrize("cls", ALGORITHMS, ids=lambda c: c.__name__)
def test_a_given_uid_owns_the_params(cls):
    estimator = _estimator(cls, uid="sagemaker")
    assert estimator.uid == "sagemaker"
    assert all(p.parent == "sagemaker" for p in estimator.params)
    values = _set_every_param(estimator)
    assert set(STAGE_SETTINGS) <= set(values)
    hyperparameters = {
        k: v
        for k, v in values.items()
        if k not in STAGE_SETTINGS
        and k not in ALGORITHM_SETTINGS
        and k != "responseRowDeserializer"
    }
    assert hyperparameters
    assert all(isinstance(v, bool | int | float | str) for v in hyperparameters.values())
    assert estimator.copy().uid == "sagemaker"


@pytest.mark.spark
@pytest.mark.parametrize("cls", [SageMakerEstimator, *ALGORITHMS], ids=lambda c: c.__name__)
def test_save_and_load_alone_and_in_an_unfitted_pipeline(spark, tmp_path, cls):
    estimator = _estimator(cls)
    _set_every_param(estimator)

    estimator.save(str(tmp_path / "alone"))
    _assert_same_estimator(cls.load(str(tmp_path / "alone")), estimator)

    assembler = VectorAssembler(inputCols=["a", "b"], outputCol="features")
    Pipeline(stages=[assembler, estimator]).save(str(tmp_path / "pipeline"))
    loaded = Pipeline.load(str(tmp_path / "pipeline")).getStages()
    assert [type(s) for s in loaded] == [VectorAssembler, cls]
    _assert_same_estimator(loaded[1], estimator)


@pytest.mark.spark
@pytest.mark.parametrize("cls", ALGORITHMS, ids=lambda c: c.__name__)
def test_the_returned_model_round_trips_in_a_fitted_pipeline_model(spark, tmp_path, cls):
    """The model ``fit`` returns carries the estimator's codecs; built here on an existing
    endpoint so that no training is needed to check its persistence."""
    estimator = _estimator(cls, uid="est")
    model = SageMakerModel(
        "ml.m5.large",
        1,
        estimator.getRequestRowSerializer(),
        estimator.model_deserializer(),
        existingEndpointName="an-endpoint",
        endpointCreationPolicy=EndpointCreationPolicy.DO_NOT_CREATE,
        uid="est",
    )
    assembler = VectorAssembler(inputCols=["a", "b"], outputCol="features")
    PipelineModel([assembler, model]).save(str(tmp_path / "fitted"))
    loaded = PipelineModel.load(str(tmp_path / "fitted")).stages[1]
    assert (loaded.uid, loaded.endpointName) == ("est", "an-endpoint")
    assert type(loaded.getResponseRowDeserializer()) is type(model.getResponseRowDeserializer())
    assert (
        loaded.getResponseRowDeserializer().config() == model.getResponseRowDeserializer().config()
    )
    assert loaded.getResponseRowDeserializer().schema == model.getResponseRowDeserializer().schema


@pytest.mark.spark
def test_a_model_returned_by_fit_round_trips_in_a_fitted_pipeline_model(local, spark, tmp_path):
    """A real fit() on the local backend (k-means), its model in a PipelineModel with a
    native stage, saved, loaded and used: the loaded model creates its endpoint on transform
    and predicts every row."""
    rows = [(float(i % 3) * 10 + (i % 5) * 0.1, float(i % 3) * 10) for i in range(60)]
    frame = spark.createDataFrame(rows, ["a", "b"]).repartition(2)
    kmeans = KMeansSageMakerEstimator(
        sagemakerRole=IAMRole(ROLE),
        **INSTANCES,
        endpointCreationPolicy=EndpointCreationPolicy.CREATE_ON_TRANSFORM,
        clientSpec=local.client_spec,
        pollSeconds=0.1,
        hostingTags={"stage": "test"},
        uid="kmeans-stage",
    ).setK(3)
    assembler = VectorAssembler(inputCols=["a", "b"], outputCol="features")
    fitted = Pipeline(stages=[assembler, kmeans]).fit(frame)
    model = fitted.stages[1]
    assert isinstance(model, SageMakerModel) and model.getModelPath() is not None

    fitted.save(str(tmp_path / "fitted"))
    loaded_pipeline = PipelineModel.load(str(tmp_path / "fitted"))
    loaded = loaded_pipeline.stages[1]
    try:
        assert type(loaded) is SageMakerModel
        assert loaded.uid == model.uid
        assert all(p.parent == loaded.uid for p in loaded.params)
        assert _param_values(loaded) == _param_values(model)
        assert loaded.getModelPath() == model.getModelPath()
        assert loaded.getModelImage() == model.getModelImage()
        assert loaded.getNamePolicy() == model.getNamePolicy()
        assert loaded.getResponseRowDeserializer() == model.getResponseRowDeserializer()
        assert loaded.getHostingTags() == [{"Key": "stage", "Value": "test"}]

        out = loaded_pipeline.transform(frame).select("a", "b", "closest_cluster").collect()
        assert len(out) == 60
        clusters = {}
        for row in out:
            clusters.setdefault(row.b, set()).add(row.closest_cluster)
        assert all(len(found) == 1 for found in clusters.values()), clusters
        assert len({c for found in clusters.values() for c in found}) == 3
    finally:
        delete_endpoints(loaded_pipeline)
