"""Hosting and runtime options end to end on the local backend: a serverless endpoint (its
4 MB payload limit enforced, transform cutting its requests under it), an endpoint of two
weighted variants made by the stage, the runtime fields accepted and validated,
CustomAttributes passed through both ways, and an ``x-amzn-RequestId`` on every answer."""

from __future__ import annotations

import io
import json
import tarfile
import urllib.request
import uuid

import numpy as np
import pytest
from botocore.exceptions import ClientError
from local_helpers import ECHO_IMAGE, FAST, ROLE, SUM_IMAGE, start_job, unique, wait_job
from pyspark.ml.linalg import Vectors

from smspark_core.aws.resources import SageMakerResourceCleanup
from smspark_core.model import SageMakerModel
from smspark_core.transformation.deserializers import XGBoostCSVRowDeserializer
from smspark_core.transformation.serializers import UnlabeledCSVRequestRowSerializer


@pytest.fixture(scope="module")
def artifact(clients, training_data):
    job = wait_job(clients, start_job(clients, training_data))
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    return job["ModelArtifacts"]["S3ModelArtifacts"]


def _serverless_endpoint(clients, artifact, image):
    sagemaker = clients["sagemaker"]
    name = unique("sl")
    sagemaker.create_model(
        ModelName=name,
        ExecutionRoleArn=ROLE,
        PrimaryContainer={"Image": image, "ModelDataUrl": artifact},
        Tags=[{"Key": "team", "Value": "ml"}],
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[
            {
                "VariantName": "AllRequests",
                "ModelName": name,
                "ServerlessConfig": {"MemorySizeInMB": 1024, "MaxConcurrency": 2},
            }
        ],
        KmsKeyId="arn:aws:kms:us-east-1:123456789012:key/k",
        Tags=[{"Key": "team", "Value": "ml"}],
    )
    sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=name)
    sagemaker.get_waiter("endpoint_in_service").wait(EndpointName=name, WaiterConfig=FAST)
    return name


@pytest.fixture(scope="module")
def echo_endpoint(clients, artifact):
    return _serverless_endpoint(clients, artifact, ECHO_IMAGE)


def test_a_serverless_endpoint_is_served_and_described(clients, echo_endpoint):
    endpoint = clients["sagemaker"].describe_endpoint(EndpointName=echo_endpoint)
    variant = endpoint["ProductionVariants"][0]
    assert variant["CurrentServerlessConfig"] == {"MemorySizeInMB": 1024, "MaxConcurrency": 2}
    config = clients["sagemaker"].describe_endpoint_config(EndpointConfigName=echo_endpoint)
    assert config["KmsKeyId"] == "arn:aws:kms:us-east-1:123456789012:key/k"
    runtime = clients["sagemaker-runtime"]
    answer = runtime.invoke_endpoint(EndpointName=echo_endpoint, Body=b"x" * (4 * 1024 * 1024))
    assert len(answer["Body"].read()) == 4 * 1024 * 1024
    with pytest.raises(ClientError) as error:
        runtime.invoke_endpoint(EndpointName=echo_endpoint, Body=b"x" * (4 * 1024 * 1024 + 1))
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413


def test_a_variant_needs_instances_or_serverless_not_both(clients, artifact):
    sagemaker = clients["sagemaker"]
    name = unique("both")
    sagemaker.create_model(
        ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": ECHO_IMAGE}
    )
    variant = {
        "VariantName": "AllRequests",
        "ModelName": name,
        "InstanceType": "ml.m5.large",
        "InitialInstanceCount": 1,
        "ServerlessConfig": {"MemorySizeInMB": 1024, "MaxConcurrency": 2},
    }
    with pytest.raises(ClientError, match="not both"):
        sagemaker.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[variant])
    variant["ServerlessConfig"]["MemorySizeInMB"] = 7168
    with pytest.raises(ClientError, match="memorySizeInMB"):
        sagemaker.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[variant])
    sagemaker.delete_model(ModelName=name)


def test_custom_attributes_round_trip(clients, echo_endpoint):
    runtime = clients["sagemaker-runtime"]
    answer = runtime.invoke_endpoint(
        EndpointName=echo_endpoint,
        Body=b"hello",
        CustomAttributes="trace=1",
        TargetVariant="AllRequests",
        InferenceId="batch-7",
    )
    assert answer["Body"].read() == b"hello"
    assert answer["CustomAttributes"] == "trace=1"  # the container's answer, passed back
    assert "CustomAttributes" not in runtime.invoke_endpoint(
        EndpointName=echo_endpoint, Body=b"hello"
    )
    with pytest.raises(ClientError, match="not present"):
        runtime.invoke_endpoint(EndpointName=echo_endpoint, Body=b"x", TargetVariant="Other")
    with pytest.raises(ClientError, match="customAttributes"):
        runtime.invoke_endpoint(EndpointName=echo_endpoint, Body=b"x", CustomAttributes="x" * 1025)


def test_every_answer_carries_a_request_id(local, clients, echo_endpoint):
    ids = set()
    answer = clients["sagemaker"].describe_endpoint(EndpointName=echo_endpoint)
    ids.add(answer["ResponseMetadata"]["RequestId"])
    answer = clients["sagemaker-runtime"].invoke_endpoint(EndpointName=echo_endpoint, Body=b"x")
    ids.add(answer["ResponseMetadata"]["RequestId"])
    with pytest.raises(ClientError) as error:
        clients["sagemaker"].describe_endpoint(EndpointName="nope")
    ids.add(error.value.response["ResponseMetadata"]["RequestId"])
    with urllib.request.urlopen(f"{local.url}/_smspark/health") as health:
        ids.add(health.headers["x-amzn-RequestId"])
    assert len(ids) == 4
    assert all(uuid.UUID(value).version == 4 for value in ids)


@pytest.mark.spark
def test_a_serverless_model_transforms_with_runtime_options(local, spark, artifact):
    model = SageMakerModel.from_model_s3_path(
        artifact,
        SUM_IMAGE,
        ROLE,
        None,
        None,
        UnlabeledCSVRequestRowSerializer(),
        XGBoostCSVRowDeserializer(),
        clientSpec=local.client_spec,
        endpointPollSeconds=0.1,
        serverlessMemorySizeInMB=2048,
        serverlessMaxConcurrency=4,
        hostingTags={"team": "ml"},
        modelEnableNetworkIsolation=True,
        targetVariant="AllRequests",
        customAttributes="trace=1",
        inferenceId="batch-7",
        invocationReadTimeoutSeconds=30,
        maxRowsPerRequest=50,
    )
    try:
        sagemaker = local.client("sagemaker")
        described = sagemaker.describe_endpoint(EndpointName=model.endpointName)
        assert "CurrentServerlessConfig" in described["ProductionVariants"][0]
        assert sagemaker.describe_model(ModelName=model.getCreatedResources().modelName)[
            "EnableNetworkIsolation"
        ]
        features = np.arange(600, dtype=float).reshape(200, 3)
        rows = [(i, Vectors.dense(f)) for i, f in enumerate(features)]
        frame = spark.createDataFrame(rows, ["id", "features"]).repartition(2)
        result = sorted(model.transform(frame).collect(), key=lambda r: r.id)
        np.testing.assert_array_equal([r.prediction for r in result], 2 * features.sum(axis=1))
        assert model.transformStats["requests"] == 4  # 200 rows, 50 a request
        assert model._invoke_settings().max_request_bytes == 4 * 1024 * 1024
    finally:
        SageMakerResourceCleanup(local.client("sagemaker")).deleteResources(
            model.getCreatedResources()
        )


def _challenger_model(clients, bucket: str) -> str:
    """A model of the sum image whose weights are all 1 (the trained model's are 2): its
    predictions are half the stage's own model's, so each row shows which variant answered."""
    weights = json.dumps([1.0, 1.0, 1.0]).encode()
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        member = tarfile.TarInfo("weights.json")
        member.size = len(weights)
        tar.addfile(member, io.BytesIO(weights))
    clients["s3"].put_object(Bucket=bucket, Key="challenger/model.tar.gz", Body=archive.getvalue())
    name = unique("challenger")
    clients["sagemaker"].create_model(
        ModelName=name,
        ExecutionRoleArn=ROLE,
        PrimaryContainer={
            "Image": SUM_IMAGE,
            "ModelDataUrl": f"s3://{bucket}/challenger/model.tar.gz",
        },
    )
    return name


def test_the_stage_hosts_weighted_variants_and_transform_can_target_one(
    local, spark, clients, training_data, artifact
):
    challenger = _challenger_model(clients, training_data)
    model = SageMakerModel.from_model_s3_path(
        artifact,
        SUM_IMAGE,
        ROLE,
        "ml.m5.large",
        1,
        UnlabeledCSVRequestRowSerializer(),
        XGBoostCSVRowDeserializer(),
        clientSpec=local.client_spec,
        endpointPollSeconds=0.1,
        initialVariantWeight=1.0,
        additionalProductionVariants=[
            {
                "VariantName": "Challenger",
                "ModelName": challenger,
                "InitialVariantWeight": 1.0,
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
            }
        ],
        maxRowsPerRequest=10,
    )
    sagemaker = clients["sagemaker"]
    try:
        described = sagemaker.describe_endpoint(EndpointName=model.endpointName)
        weights = {v["VariantName"]: v["CurrentWeight"] for v in described["ProductionVariants"]}
        assert weights == {"AllRequests": 1.0, "Challenger": 1.0}
        features = np.arange(600, dtype=float).reshape(200, 3) + 1
        rows = [(i, Vectors.dense(f)) for i, f in enumerate(features)]
        frame = spark.createDataFrame(rows, ["id", "features"]).repartition(2)
        totals = features.sum(axis=1)

        split = sorted(model.transform(frame).collect(), key=lambda r: r.id)
        assert [r.id for r in split] == list(range(200))
        ratios = {round(r.prediction / total) for r, total in zip(split, totals, strict=True)}
        assert ratios == {1, 2}  # both variants answered (20 requests, split by weight)

        targeted = model.copy().setTargetVariant("Challenger")
        answered = sorted(targeted.transform(frame).collect(), key=lambda r: r.id)
        np.testing.assert_array_equal([r.prediction for r in answered], totals)
    finally:
        SageMakerResourceCleanup(sagemaker).deleteResources(model.getCreatedResources())
    # The other variant's model is the user's: cleanup leaves it.
    assert sagemaker.describe_model(ModelName=challenger)["ModelName"] == challenger
    sagemaker.delete_model(ModelName=challenger)


def test_tags_given_at_creation_are_listed(clients, echo_endpoint):
    sagemaker = clients["sagemaker"]
    model = sagemaker.describe_model(ModelName=echo_endpoint)["ModelArn"]
    config = sagemaker.describe_endpoint_config(EndpointConfigName=echo_endpoint)
    for arn in (model, config["EndpointConfigArn"]):
        assert sagemaker.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "ml"}]
