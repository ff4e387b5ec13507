"""The official SageMaker Python SDK v2, unchanged, against ``smspark local``: the
first-party algorithms' fit (logs=True) -> deploy -> predict -> delete, Estimator.attach,
training_job_analytics (CloudWatch metrics), Predictor.update_endpoint, an endpoint of
two weighted variants splitting traffic, and managed spot training with checkpoints resuming
after the interruption the backend injects into every spot job."""

from __future__ import annotations

import io
import tarfile
import uuid
from collections import Counter

import numpy as np
import pytest
from sagemaker import PCA, KMeans, LinearLearner, image_uris
from sagemaker.estimator import Estimator
from sagemaker.predictor import Predictor
from sagemaker.serializers import CSVSerializer
from sagemaker.session import production_variant

INSTANCE = "ml.m5.large"


def _blobs(rows: int = 120) -> np.ndarray:
    generator = np.random.default_rng(7)
    centres = np.array([[0.0, 0.0, 0.0, 0.0], [10.0, 10.0, 10.0, 10.0]])
    return (centres[np.arange(rows) % 2] + generator.normal(0, 0.5, (rows, 4))).astype("float32")


@pytest.fixture(scope="module")
def kmeans(session, role):
    estimator = KMeans(
        role=role,
        instance_count=1,
        instance_type=INSTANCE,
        k=2,
        sagemaker_session=session,
    )
    estimator.fit(estimator.record_set(_blobs()), logs=True)
    return estimator


def test_kmeans_fit_deploy_predict_delete(kmeans):
    predictor = kmeans.deploy(initial_instance_count=1, instance_type=INSTANCE)
    try:
        answers = predictor.predict(np.array([[0, 0, 0, 0], [10, 10, 10, 10]], dtype="float32"))
        clusters = [a.label["closest_cluster"].float32_tensor.values[0] for a in answers]
        assert sorted(clusters) == [0.0, 1.0]
    finally:
        predictor.delete_model()  # it reads the endpoint config, which delete_endpoint removes
        predictor.delete_endpoint()


def test_attach_and_training_job_analytics(kmeans, session):
    job = kmeans.latest_training_job.name
    attached = Estimator.attach(job, sagemaker_session=session)
    assert attached.model_data == kmeans.model_data
    assert attached.instance_count == 1 and attached.instance_type == INSTANCE
    frame = kmeans.training_job_analytics.dataframe()
    metrics = dict(zip(frame["metric_name"], frame["value"], strict=True))
    assert set(metrics) >= {"train:msd", "train:progress"}
    assert metrics["train:progress"] == 100.0
    final = session.describe_training_job(job)["FinalMetricDataList"]
    assert {m["MetricName"]: m["Value"] for m in final}["train:msd"] == metrics["train:msd"]


def test_update_endpoint_and_two_weighted_variants(kmeans, session):
    predictor = kmeans.deploy(initial_instance_count=1, instance_type=INSTANCE)
    model = session.describe_endpoint_config(predictor.endpoint_name)["ProductionVariants"][0][
        "ModelName"
    ]
    split_name = f"{predictor.endpoint_name}-split"
    try:
        predictor.update_endpoint(initial_instance_count=2, instance_type=INSTANCE)
        described = session.sagemaker_client.describe_endpoint(EndpointName=predictor.endpoint_name)
        assert described["EndpointStatus"] == "InService"
        assert described["ProductionVariants"][0]["CurrentInstanceCount"] == 2
        assert predictor.predict(np.zeros((1, 4), dtype="float32"))

        session.endpoint_from_production_variants(
            split_name,
            [
                production_variant(model, INSTANCE, 1, "Blue", initial_weight=3),
                production_variant(model, INSTANCE, 1, "Green", initial_weight=1),
            ],
        )
        runtime = session.sagemaker_runtime_client
        answered = Counter(
            runtime.invoke_endpoint(
                EndpointName=split_name, Body=b"0,0,0,0", ContentType="text/csv"
            )["InvokedProductionVariant"]
            for _ in range(100)
        )
        assert set(answered) == {"Blue", "Green"} and answered["Blue"] > answered["Green"]
    finally:
        session.delete_endpoint(split_name)
        predictor.delete_model()  # it reads the endpoint config, which delete_endpoint removes
        predictor.delete_endpoint()


def _centroids(session, model_data: str) -> bytes:
    bucket, _, key = model_data[len("s3://") :].partition("/")
    s3 = session.boto_session.client("s3")
    archive = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        member = tar.extractfile("model_algo-1")
        assert member is not None
        return member.read()


def test_spot_training_resumes_from_checkpoints_after_an_interruption(session, role, capsys):
    rows = _blobs(20_000)

    def fit(**spot) -> KMeans:
        estimator = KMeans(
            role=role,
            instance_count=1,
            instance_type=INSTANCE,
            k=2,
            epochs=60,
            mini_batch_size=500,
            sagemaker_session=session,
            **spot,
        )
        estimator.fit(estimator.record_set(rows), logs=True)
        return estimator

    uri = f"s3://{session.default_bucket()}/checkpoints/{uuid.uuid4().hex[:8]}"
    spot = fit(use_spot_instances=True, max_run=600, max_wait=1200, checkpoint_s3_uri=uri)
    printed = capsys.readouterr().out
    job = session.describe_training_job(spot.latest_training_job.name)
    assert job["TrainingJobStatus"] == "Completed"
    statuses = [t["Status"] for t in job["SecondaryStatusTransitions"]]
    assert statuses[statuses.index("Interrupted") :] == [
        "Interrupted",
        "Pending",
        "Starting",
        "Downloading",
        "Training",
        "Uploading",
        "Completed",
    ]
    assert job["BillableTimeInSeconds"] < job["TrainingTimeInSeconds"]
    assert "Managed Spot Training savings:" in printed  # what the SDK prints for spot jobs
    assert "k-means: resuming from the checkpoint after epoch" in printed  # fit(logs=True)
    plain = fit()
    assert _centroids(session, spot.model_data) == _centroids(session, plain.model_data)


def test_pca_fit_deploy_predict_delete(session, role):
    pca = PCA(
        role=role,
        instance_count=1,
        instance_type=INSTANCE,
        num_components=2,
        sagemaker_session=session,
    )
    pca.fit(pca.record_set(_blobs()), logs=True)
    predictor = pca.deploy(initial_instance_count=1, instance_type=INSTANCE)
    try:
        [answer] = predictor.predict(np.ones((1, 4), dtype="float32"))
        assert len(answer.label["projection"].float32_tensor.values) == 2
    finally:
        predictor.delete_model()  # it reads the endpoint config, which delete_endpoint removes
        predictor.delete_endpoint()


def test_linear_learner_fit_deploy_predict_delete(session, role):
    features = _blobs()
    labels = (features[:, 0] > 5).astype("float32")
    learner = LinearLearner(
        role=role,
        instance_count=1,
        instance_type=INSTANCE,
        predictor_type="binary_classifier",
        epochs=2,
        sagemaker_session=session,
    )
    learner.fit(learner.record_set(features, labels), logs=True)
    predictor = learner.deploy(initial_instance_count=1, instance_type=INSTANCE)
    try:
        answers = predictor.predict(features[:4])
        predicted = [a.label["predicted_label"].float32_tensor.values[0] for a in answers]
        assert predicted == list(labels[:4])
    finally:
        predictor.delete_model()  # it reads the endpoint config, which delete_endpoint removes
        predictor.delete_endpoint()


def test_xgboost_fit_deploy_predict_delete(session, role):
    features = _blobs()
    labels = (features[:, 0] > 5).astype(int)
    body = io.StringIO()
    np.savetxt(body, np.column_stack([labels, features]), delimiter=",", fmt="%g")
    bucket = session.default_bucket()
    train = session.upload_string_as_file_body(
        body.getvalue(), bucket, "sdk/xgboost/train/train.csv"
    )
    estimator = Estimator(
        image_uri=image_uris.retrieve("xgboost", session.boto_region_name, "1.7-1"),
        role=role,
        instance_count=1,
        instance_type=INSTANCE,
        hyperparameters={"objective": "binary:logistic", "num_round": "5"},
        sagemaker_session=session,
    )
    from sagemaker.inputs import TrainingInput

    estimator.fit({"train": TrainingInput(train, content_type="text/csv")}, logs=True)
    predictor = estimator.deploy(
        initial_instance_count=1, instance_type=INSTANCE, serializer=CSVSerializer()
    )
    try:
        answer = predictor.predict(features[:2]).decode()
        probabilities = [float(v) for v in answer.replace("\n", ",").split(",") if v]
        assert probabilities[0] < 0.5 < probabilities[1]
    finally:
        predictor.delete_model()  # it reads the endpoint config, which delete_endpoint removes
        predictor.delete_endpoint()
    assert isinstance(Predictor, type)
