"""Exact request fields, checked with botocore's Stubber where the backend cannot show them."""

from __future__ import annotations

import boto3
from botocore.stub import Stubber

from smspark_core.aws.hosting import create_hosting_resources
from smspark_core.aws.resources import CreatedResources, CustomNamePolicy


def test_hosting_requests_are_the_originals():
    client = boto3.client("sagemaker", region_name="us-east-1")
    names = CustomNamePolicy("job", "model-1", "config-1", "endpoint-1")
    stubber = Stubber(client)
    stubber.add_response(
        "create_model",
        {"ModelArn": "arn:aws:sagemaker:us-east-1:1:model/model-1"},
        {
            "ModelName": "model-1",
            "PrimaryContainer": {
                "ContainerHostname": "model-1",
                "Image": "img:1",
                "Environment": {"A": "1"},
                "ModelDataUrl": "s3://b/model.tar.gz",
            },
            "ExecutionRoleArn": "arn:aws:iam::123456789012:role/r",
        },
    )
    stubber.add_response(
        "create_endpoint_config",
        {"EndpointConfigArn": "arn:aws:sagemaker:us-east-1:1:endpoint-config/config-1"},
        {
            "EndpointConfigName": "config-1",
            "ProductionVariants": [
                {
                    "VariantName": "AllRequests",
                    "ModelName": "model-1",
                    "InstanceType": "ml.c5.xlarge",
                    "InitialInstanceCount": 2,
                }
            ],
        },
    )
    stubber.add_response(
        "create_endpoint",
        {"EndpointArn": "arn:aws:sagemaker:us-east-1:1:endpoint/endpoint-1"},
        {"EndpointName": "endpoint-1", "EndpointConfigName": "config-1"},
    )
    stubber.add_response(
        "describe_endpoint",
        {
            "EndpointName": "endpoint-1",
            "EndpointArn": "arn:aws:sagemaker:us-east-1:1:endpoint/endpoint-1",
            "EndpointStatus": "InService",
            "CreationTime": 0,
            "LastModifiedTime": 0,
        },
        {"EndpointName": "endpoint-1"},
    )
    with stubber:
        created = create_hosting_resources(
            client,
            names,
            image="img:1",
            model_data_url="s3://b/model.tar.gz",
            environment={"A": "1"},
            role_arn="arn:aws:iam::123456789012:role/r",
            instance_type="ml.c5.xlarge",
            instance_count=2,
            poll_seconds=0,
        )
    stubber.assert_no_pending_responses()
    assert created == CreatedResources("model-1", "config-1", "endpoint-1")
