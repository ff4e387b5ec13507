"""fit() and transform() of every first-party algorithm estimator over Spark Connect: each
trains on the local backend from a Connect DataFrame, hosts its model and scores every row
(k-means is in test_over_connect.py with the rest of the Connect surface)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import numpy as np
import pytest
from algorithm_helpers import make_estimator
from pyspark.ml.linalg import Vectors
from smspark_local import LocalSageMaker

from smspark_core import EndpointCreationPolicy, S3DataPath, SageMakerResourceCleanup
from smspark_core.plugins import PluginHost, using_plugin_host

pytestmark = pytest.mark.connect

ROWS = 120
PLUGINS = [
    "pca", "linearlearner", "xgboost", "factorizationmachines", "lda", "knn", "randomcutforest"
]  # fmt: skip


def _pca(module):
    return module.PCASageMakerEstimator, lambda e: e.setNumComponents(2), "projection"


def _linear(name, labels):
    def build(module):
        setup = {
            "LinearLearnerMultiClassClassifier": lambda e: e.setNumClasses(3),
        }.get(name, lambda e: e)
        return (
            getattr(module, name),
            lambda e: setup(e.setMiniBatchSize(32).setEpochs(2)),
            "predicted_label" if labels else "score",
        )

    return build


def _xgboost(module):
    return (
        module.XGBoostSageMakerEstimator,
        lambda e: e.setObjective("reg:squarederror").setNumRound(3),
        "prediction",
    )


def _fm(name, column):
    def build(module):
        return (
            getattr(module, name),
            lambda e: e.setNumFactors(2).setEpochs(2).setMiniBatchSize(40),
            column,
        )

    return build


def _lda(module):
    return (
        module.LDASageMakerEstimator,
        lambda e: e.setNumTopics(2).setFeatureDim(4).setMiniBatchSize(40),
        "topic_mixture",
    )


def _knn(module):
    return (
        module.KNNSageMakerEstimator,
        lambda e: e.setK(3).setSampleSize(100).setPredictorType("classifier"),
        "predicted_label",
    )


def _rcf(module):
    return (
        module.RandomCutForestSageMakerEstimator,
        lambda e: e.setNumTrees(50).setNumSamplesPerTree(32),
        "score",
    )


# (id, plugin module, how to build the estimator, labels: None, "binary", "classes", "real")
CASES: list[tuple[str, str, Callable, str | None]] = [
    ("pca", "smspark_pca", _pca, None),
    (
        "linear-learner-binary",
        "smspark_linearlearner",
        _linear("LinearLearnerBinaryClassifier", True),
        "binary",
    ),
    (
        "linear-learner-multiclass",
        "smspark_linearlearner",
        _linear("LinearLearnerMultiClassClassifier", True),
        "classes",
    ),
    (
        "linear-learner-regressor",
        "smspark_linearlearner",
        _linear("LinearLearnerRegressor", False),
        "real",
    ),
    ("xgboost", "smspark_xgboost", _xgboost, "real"),
    (
        "fm-binary",
        "smspark_factorizationmachines",
        _fm("FactorizationMachinesBinaryClassifier", "predicted_label"),
        "binary",
    ),
    (
        "fm-regressor",
        "smspark_factorizationmachines",
        _fm("FactorizationMachinesRegressor", "score"),
        "real",
    ),
    ("lda", "smspark_lda", _lda, None),
    ("knn", "smspark_knn", _knn, "classes"),
    ("randomcutforest", "smspark_randomcutforest", _rcf, None),
]


@pytest.fixture(scope="module")
def local(connect_spark):
    with using_plugin_host(PluginHost(only=PLUGINS)), LocalSageMaker(ping_timeout=60) as backend:
        yield backend


@pytest.fixture(scope="module")
def bucket(local):
    name = f"connect-algorithms-{uuid.uuid4().hex[:8]}"
    local.client("s3").create_bucket(Bucket=name)
    return name


def _frame(connect_spark, labels: str | None):
    """ROWS rows of 4 non-negative counts (LDA needs counts; the others take them as
    features), with a label of the kind the estimator trains on."""
    rng = np.random.default_rng(5)
    features = rng.poisson(2.0, size=(ROWS, 4)).astype(float)
    signal = features @ np.array([1.0, -0.5, 0.25, 0.0])
    label = {
        None: np.zeros(ROWS),
        "binary": (signal > np.median(signal)).astype(float),
        "classes": np.digitize(signal, np.quantile(signal, [1 / 3, 2 / 3])).astype(float),
        "real": signal,
    }[labels]
    rows = [(i, float(y), Vectors.dense(f)) for i, (f, y) in enumerate(zip(features, label))]
    return connect_spark.createDataFrame(rows, ["id", "label", "features"]).repartition(3)


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_fit_and_transform_over_connect(local, bucket, connect_spark, case):
    import importlib

    name, module_name, build, labels = case
    cls, configure, column = build(importlib.import_module(module_name))
    estimator = configure(
        make_estimator(
            cls,
            trainingInputS3DataPath=S3DataPath(bucket, f"{name}-in"),
            trainingOutputS3DataPath=S3DataPath(bucket, f"{name}-out"),
            endpointCreationPolicy=EndpointCreationPolicy.CREATE_ON_TRANSFORM,
        )
    )
    df = _frame(connect_spark, labels)
    model = estimator.fit(df)
    try:
        rows = model.transform(df).collect()
        assert sorted(r.id for r in rows) == list(range(ROWS))  # every row once
        assert all(r[column] is not None for r in rows), f"{name}: {column} is missing"
        job = local.client("sagemaker").describe_training_job(
            TrainingJobName=estimator.latestTrainingJob
        )
        assert job["TrainingJobStatus"] == "Completed"
    finally:
        SageMakerResourceCleanup(local.client("sagemaker")).deleteResources(
            model.getCreatedResources()
        )
