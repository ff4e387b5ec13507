"""One local backend per module, with the test images registered explicitly (the core suite
does not load installed plugins)."""

from __future__ import annotations

import time
import uuid

import numpy as np
import pytest
from smspark_local import LocalSageMaker

from smspark_core.codecs import amazon_record
from smspark_core.specs import LocalImageSpec

ROLE = "arn:aws:iam::123456789012:role/smspark-test"
SUM_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/test-sum:1"
ECHO_IMAGE = "my-registry.example.com/team/echo:latest"
SUM = LocalImageSpec(
    "test-sum", train="smspark_testplugin.images:train", serve="smspark_testplugin.images:serve"
)
ECHO = LocalImageSpec(
    "echo",
    train="smspark_testplugin.images:echo_train",
    serve="smspark_testplugin.images:echo_serve",
)
FAST = {"Delay": 0.1, "MaxAttempts": 600}


@pytest.fixture(scope="module")
def local():
    with LocalSageMaker(images={"test-sum": SUM}, ping_timeout=60) as backend:
        backend.register_image(ECHO_IMAGE, ECHO)
        yield backend


@pytest.fixture(scope="module")
def clients(local):
    return {s: local.client(s) for s in ("sagemaker", "sagemaker-runtime", "s3", "logs")}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def training_data(clients):
    """A bucket with a RecordIO-protobuf train channel of 4 rows x 3 features."""
    s3 = clients["s3"]
    bucket = unique("data")
    s3.create_bucket(Bucket=bucket)
    features = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0], [0.0, 0.0, 0.0], [4.0, 4.0, 4.0]])
    body = amazon_record.dense_records(features, np.zeros(4)).tobytes()
    s3.put_object(Bucket=bucket, Key="train/part-00000.pbr", Body=body)
    return bucket


def start_job(
    clients,
    bucket,
    *,
    image=SUM_IMAGE,
    hyperparameters=None,
    max_runtime=120,
    channels=None,
    name=None,
    resource_config=None,
):
    name = name or unique("job")
    clients["sagemaker"].create_training_job(
        TrainingJobName=name,
        RoleArn=ROLE,
        AlgorithmSpecification={"TrainingImage": image, "TrainingInputMode": "File"},
        HyperParameters=hyperparameters or {},
        InputDataConfig=channels
        or [
            {
                "ChannelName": "train",
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": f"s3://{bucket}/train",
                        "S3DataDistributionType": "ShardedByS3Key",
                    }
                },
            }
        ],
        OutputDataConfig={"S3OutputPath": f"s3://{bucket}/output"},
        ResourceConfig=resource_config
        or {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
        StoppingCondition={"MaxRuntimeInSeconds": max_runtime},
    )
    return name


def wait_job(clients, name, timeout=120.0):
    """The job's description once it is Completed, Failed or Stopped."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = clients["sagemaker"].describe_training_job(TrainingJobName=name)
        if job["TrainingJobStatus"] in ("Completed", "Failed", "Stopped"):
            return job
        time.sleep(0.1)
    raise TimeoutError(f"training job {name} did not finish within {timeout} s")


def host(clients, model_data_url, *, image=SUM_IMAGE, instances=1, wait=True):
    sagemaker = clients["sagemaker"]
    name = unique("ep")
    sagemaker.create_model(
        ModelName=name,
        ExecutionRoleArn=ROLE,
        PrimaryContainer={
            "Image": image,
            "ModelDataUrl": model_data_url,
            "Environment": {"A": "1"},
        },
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[
            {
                "VariantName": "AllRequests",
                "ModelName": name,
                "InitialInstanceCount": instances,
                "InstanceType": "ml.m5.large",
            }
        ],
    )
    sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=name)
    if wait:
        sagemaker.get_waiter("endpoint_in_service").wait(EndpointName=name, WaiterConfig=FAST)
    return name
