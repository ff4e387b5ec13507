"""Every estimator class round-trips through save and load with every Param set: alone,
inside an unfitted Pipeline, and (as the model it returns) inside a fitted PipelineModel.
A ``uid`` given to a constructor is the stage's uid, and its Params belong to it."""

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
from smspark_pca import PCASageMakerEstimator
from smspark_xgboost import XGBoostSageMakerEstimator

from smspark_core import (
    EndpointCreationPolicy,
    IAMRole,
    S3DataPath,
    SageMakerEstimator,
    SageMakerModel,
)
from smspark_core.algorithms.params import HyperParameter
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
]
# Tried in order until the Param takes one: together they cover every Param's domain.
CANDIDATES = [True, 3, 0.5, 1.5, 1, 0, -1, "auto", "msd", "rmse", "prune", "(1,0)", "[[0, 1]]"]
SETTINGS = {
    "trainingInputS3DataPath": S3DataPath("in-bucket", "in/prefix"),
    "trainingOutputS3DataPath": S3DataPath("out-bucket", "out"),
    "trainingInstanceVolumeSizeInGB": 2048,
    "trainingMaxRuntimeInSeconds": 3600,
    "endpointCreationPolicy": EndpointCreationPolicy.CREATE_ON_TRANSFORM,
}


def _set_every_param(stage) -> dict[str, object]:
    """Sets each HyperParameter of ``stage`` to a valid value; returns name -> value."""
    values = {}
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
    assert values and all(isinstance(v, bool | int | float | str) for v in values.values())
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
