"""SageMakerResourceCleanup against the local backend."""

from __future__ import annotations

import pytest
from botocore.stub import Stubber
from local_helpers import ECHO_IMAGE, ROLE, unique

from smspark_core.aws.resources import (
    CreatedResources,
    SageMakerResourceCleanup,
    SageMakerResourceCleanupException,
)


def test_deletes_endpoint_config_and_model_and_tolerates_missing_ones(clients):
    sagemaker = clients["sagemaker"]
    name = unique("c")
    sagemaker.create_model(
        ModelName=name, PrimaryContainer={"Image": ECHO_IMAGE}, ExecutionRoleArn=ROLE
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[
            {
                "VariantName": "AllRequests",
                "ModelName": name,
                "InitialInstanceCount": 1,
                "InstanceType": "ml.m5.large",
            }
        ],
    )
    cleanup = SageMakerResourceCleanup(sagemaker)
    cleanup.deleteResources(CreatedResources(name, name, "never-created"))
    assert sagemaker.list_endpoints(NameContains=name)["Endpoints"] == []
    for call in (
        lambda: sagemaker.describe_model(ModelName=name),
        lambda: sagemaker.describe_endpoint_config(EndpointConfigName=name),
    ):
        with pytest.raises(sagemaker.exceptions.ClientError):
            call()
    cleanup.delete_resources(CreatedResources(name, name, None))  # all gone: no error


def test_access_denied_is_not_taken_for_missing(clients):
    sagemaker = clients["sagemaker"]
    stubber = Stubber(sagemaker)
    stubber.add_client_error("describe_endpoint", "AccessDeniedException", "not authorized", 400)
    with (
        stubber,
        pytest.raises(SageMakerResourceCleanupException, match="can be retried") as raised,
    ):
        SageMakerResourceCleanup(sagemaker).delete_resources(CreatedResources(endpointName="e"))
    assert raised.value.createdResources == CreatedResources(endpointName="e")
