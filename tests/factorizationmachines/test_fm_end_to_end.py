"""Factorization Machines end to end on the local backend: the click-through example
(raw categorical columns through StringIndexer, OneHotEncoder and VectorAssembler, ROC
picture), the regressor on sparse vectors with its fitted pipeline saved and loaded,
ModelError for a request of the wrong width, a non-binary label failing fit, and hosting
an artifact written by hand with from_model_s3_path."""

from __future__ import annotations

import io
import sys
import tarfile
import uuid
from pathlib import Path

import numpy as np
import pytest
from algorithm_helpers import ROLE, make_estimator
from fm_data import generating_model, r2, regression_data
from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.linalg import Vectors
from smspark_factorizationmachines import (
    FactorizationMachinesBinaryClassifier,
    FactorizationMachinesBinaryClassifierDeserializer,
    FactorizationMachinesRegressor,
)
from smspark_factorizationmachines import model as artifact

from smspark_core import EndpointCreationPolicy, SageMakerModel
from smspark_core.transformation.serializers import ProtobufRequestRowSerializer

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import fm_click_pipeline as example  # noqa: E402
from smspark_local.session import delete_endpoints  # noqa: E402

pytestmark = pytest.mark.spark


def test_click_through_example(local, spark, tmp_path):
    auc = example.run(spark, tmp_path, clientSpec=local.client_spec, pollSeconds=0.1)
    assert auc > 0.7
    picture = (tmp_path / "roc.png").read_bytes()
    assert picture.startswith(b"\x89PNG\r\n\x1a\n") and len(picture) > 500


@pytest.fixture(scope="module")
def sparse_regression(spark):
    truth = generating_model(50)
    x, y = regression_data(truth, 3000, seed=1)
    rows = [
        (i, Vectors.sparse(50, row.indices.tolist(), row.data.tolist()), float(label))
        for i, (row, label) in enumerate(zip(x, y))
    ]
    return spark.createDataFrame(rows, ["id", "features", "label"]).repartition(2)


def test_regressor_on_sparse_vectors_pipeline_saved_and_loaded(
    local, spark, sparse_regression, tmp_path
):
    train, test = sparse_regression.randomSplit([0.8, 0.2], seed=2)
    fm = make_estimator(
        FactorizationMachinesRegressor,
        local,
        uid="FactorizationMachinesRegressor_e2e",
        endpointCreationPolicy=EndpointCreationPolicy.CREATE_ON_CONSTRUCT,
    )
    fm.setNumFactors(4).setEpochs(15).setMiniBatchSize(100)
    fm.setBiasLr(0.01).setLinearLr(0.01).setFactorsLr(0.01).setFactorsInitSigma(0.1)
    model = Pipeline(stages=[fm]).fit(train)
    try:
        job = local.client("sagemaker").describe_training_job(TrainingJobName=fm.latestTrainingJob)
        assert job["HyperParameters"]["feature_dim"] == "50"  # from the data
        assert job["HyperParameters"]["predictor_type"] == "regressor"
        metrics = {m["MetricName"] for m in job["FinalMetricDataList"]}
        assert metrics == {"train:rmse"}
        before = model.transform(test).select("id", "label", "score").orderBy("id").collect()
        assert len(before) == test.count()
        scores = np.array([r.score for r in before])
        assert r2(scores, np.array([r.label for r in before])) > 0.8

        model.save(str(tmp_path / "fitted"))
        loaded = PipelineModel.load(str(tmp_path / "fitted"))
        stage, original = loaded.stages[-1], model.stages[-1]
        assert stage.uid == original.uid and stage.endpointName == original.endpointName
        assert {p.name: v for p, v in stage.extractParamMap().items()} == {
            p.name: v for p, v in original.extractParamMap().items()
        }
        after = loaded.transform(test).select("id", "label", "score").orderBy("id").collect()
        assert after == before
    finally:
        delete_endpoints(model)


def test_wrong_width_requests_surface_as_model_error(local, spark, tmp_path):
    s3 = local.client("s3")
    bucket = f"fm-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    truth = generating_model(3, factors=2, predictor_type="binary_classifier")
    truth.w[:] = [2.0, -2.0, 0.0]
    truth.v[:] = 0.0
    truth.v[0, 0] = truth.v[2, 0] = 1.0  # x0 * x2 adds 1
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        data = artifact.dumps(truth)
        info = tarfile.TarInfo("model_algo-1")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    s3.put_object(Bucket=bucket, Key="hand/model.tar.gz", Body=archive.getvalue())
    model = SageMakerModel.from_model_s3_path(
        f"s3://{bucket}/hand/model.tar.gz",
        make_estimator(FactorizationMachinesBinaryClassifier).getModelImage(),
        ROLE,
        "ml.m5.large",
        1,
        ProtobufRequestRowSerializer(),
        FactorizationMachinesBinaryClassifierDeserializer(accept="application/jsonlines"),
        clientSpec=local.client_spec,
        endpointPollSeconds=0.1,
    )
    try:
        df = spark.createDataFrame(
            [(Vectors.dense([1.0, 0.0, 1.0]),), (Vectors.sparse(3, [1], [1.0]),)], ["features"]
        )
        rows = model.transform(df).collect()
        expected = 1 / (1 + np.exp(-np.array([3.0, -2.0])))
        assert [r.score for r in rows] == pytest.approx(expected.tolist(), rel=1e-9)
        assert [r.predicted_label for r in rows] == [1.0, 0.0]
        wide = spark.createDataFrame([(Vectors.dense([1.0, 2.0, 3.0, 4.0]),)], ["features"])
        with pytest.raises(Exception, match="ModelError.*expects 3"):
            model.transform(wide).collect()
    finally:
        delete_endpoints(model)


def test_a_non_binary_label_fails_fit_naming_the_record(local, spark):
    df = spark.createDataFrame(
        [(Vectors.dense([1.0, 0.0]), 1.0), (Vectors.dense([0.0, 1.0]), 2.0)],
        ["features", "label"],
    ).coalesce(1)
    fm = make_estimator(FactorizationMachinesBinaryClassifier, local).setNumFactors(2)
    with pytest.raises(Exception, match="record 1 has label 2; the binary classifier needs"):
        fm.fit(df)
