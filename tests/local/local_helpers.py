"""What the local backend's tests share beyond their fixtures: the test images, a role, and
helpers that start training jobs and endpoints through boto3. A module of its own (not the
conftest), so that test modules import it by a name no other test folder uses."""

from __future__ import annotations

import time
import uuid

from smspark_core.plugins.specs import LocalImageSpec

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


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


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


def host(clients, model_data_url=None, *, image=SUM_IMAGE, instances=1, wait=True):
    """An endpoint of ``instances`` model servers of ``image`` (with the model archive at
    ``model_data_url``, if any); its name."""
    sagemaker = clients["sagemaker"]
    name = unique("ep")
    container = {"Image": image, "Environment": {"A": "1"}}
    if model_data_url is not None:
        container["ModelDataUrl"] = model_data_url
    sagemaker.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer=container)
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
