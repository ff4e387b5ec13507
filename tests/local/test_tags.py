"""AddTags, ListTags and DeleteTags on every kind of local resource, the tags given at
creation included; a resource's tags go with it."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from local_helpers import ECHO_IMAGE, FAST, ROLE, start_job, unique, wait_job

TEAM = [{"Key": "team", "Value": "ml"}]


def _tags(sagemaker, arn):
    return sorted((t["Key"], t["Value"]) for t in sagemaker.list_tags(ResourceArn=arn)["Tags"])


def test_every_resource_kind_carries_tags(clients, training_data):
    sagemaker = clients["sagemaker"]
    name = unique("tagged")
    job = start_job(clients, training_data, name=name)
    sagemaker.add_tags(
        ResourceArn=sagemaker.describe_training_job(TrainingJobName=job)["TrainingJobArn"],
        Tags=TEAM,
    )
    wait_job(clients, job)
    model_arn = sagemaker.create_model(
        ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": ECHO_IMAGE}, Tags=TEAM
    )["ModelArn"]
    config_arn = sagemaker.create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[
            {
                "VariantName": "AllRequests",
                "ModelName": name,
                "InitialInstanceCount": 1,
                "InstanceType": "ml.m5.large",
            }
        ],
        Tags=TEAM,
    )["EndpointConfigArn"]
    endpoint_arn = sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=name, Tags=TEAM)[
        "EndpointArn"
    ]
    transform_arn = sagemaker.create_transform_job(
        TransformJobName=name,
        ModelName=name,
        TransformInput={
            "DataSource": {
                "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{training_data}/train"}
            }
        },
        TransformOutput={"S3OutputPath": f"s3://{training_data}/transformed"},
        TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 1},
        Tags=TEAM,
    )["TransformJobArn"]
    job_arn = sagemaker.describe_training_job(TrainingJobName=job)["TrainingJobArn"]
    arns = [job_arn, model_arn, config_arn, endpoint_arn, transform_arn]
    for arn in arns:
        assert _tags(sagemaker, arn) == [("team", "ml")], arn
        sagemaker.add_tags(
            ResourceArn=arn, Tags=[{"Key": "team", "Value": "ops"}, {"Key": "cost", "Value": "7"}]
        )
        assert _tags(sagemaker, arn) == [("cost", "7"), ("team", "ops")], arn
        sagemaker.delete_tags(ResourceArn=arn, TagKeys=["team", "absent"])
        assert _tags(sagemaker, arn) == [("cost", "7")], arn

    sagemaker.get_waiter("endpoint_in_service").wait(EndpointName=name, WaiterConfig=FAST)
    sagemaker.get_waiter("transform_job_completed_or_stopped").wait(
        TransformJobName=name, WaiterConfig=FAST
    )
    sagemaker.delete_endpoint(EndpointName=name)
    sagemaker.get_waiter("endpoint_deleted").wait(EndpointName=name, WaiterConfig=FAST)
    sagemaker.delete_endpoint_config(EndpointConfigName=name)
    sagemaker.delete_model(ModelName=name)
    for arn in (model_arn, config_arn, endpoint_arn):
        with pytest.raises(ClientError, match="does not exist"):
            sagemaker.list_tags(ResourceArn=arn)
    # A model created again under the same name starts without the old tags.
    sagemaker.create_model(
        ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": ECHO_IMAGE}
    )
    assert _tags(sagemaker, model_arn) == []
    sagemaker.delete_model(ModelName=name)


def test_refused_tags(clients):
    sagemaker = clients["sagemaker"]
    name = unique("m")
    arn = sagemaker.create_model(
        ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": ECHO_IMAGE}
    )["ModelArn"]
    with pytest.raises(ClientError, match="reserved for AWS use: aws:owner"):
        sagemaker.add_tags(ResourceArn=arn, Tags=[{"Key": "aws:owner", "Value": "x"}])
    sagemaker.add_tags(ResourceArn=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    with pytest.raises(ClientError, match="at most 50"):
        sagemaker.add_tags(ResourceArn=arn, Tags=[{"Key": "one-more", "Value": "v"}])
    page = sagemaker.list_tags(ResourceArn=arn, MaxResults=50)
    assert len(page["Tags"]) == 50 and "NextToken" not in page
    with pytest.raises(ClientError, match="does not name a training job"):
        sagemaker.list_tags(ResourceArn="arn:aws:sagemaker:us-east-1:123456789012:pipeline/p")
    with pytest.raises(ClientError, match="does not exist"):
        sagemaker.list_tags(ResourceArn="arn:aws:sagemaker:us-east-1:123456789012:model/nope")
    with pytest.raises(ClientError, match="reserved"):
        sagemaker.create_model(
            ModelName=unique("m"),
            ExecutionRoleArn=ROLE,
            PrimaryContainer={"Image": ECHO_IMAGE},
            Tags=[{"Key": "aws:x", "Value": "y"}],
        )
    sagemaker.delete_model(ModelName=name)
