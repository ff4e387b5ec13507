"""The local backend refuses what SageMaker refuses (botocore's own constraints, per
operation, in the service's words) and lists every kind of resource it keeps, page by page."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from local_helpers import ECHO_IMAGE, ROLE, start_job, unique

from smspark_core.aws.service_model import request_problems as validation_errors


def _error(raised: pytest.ExceptionInfo) -> tuple[str, str]:
    error = raised.value.response["Error"]
    return error["Code"], error["Message"]


def _model(sagemaker, name):
    sagemaker.create_model(
        ModelName=name, PrimaryContainer={"Image": ECHO_IMAGE}, ExecutionRoleArn=ROLE
    )


def _resources(instance_type, count):
    return {"InstanceType": instance_type, "InstanceCount": count, "VolumeSizeInGB": 1}


def _variant(model, instance_type="ml.m5.large", count=1):
    return {
        "VariantName": "AllRequests",
        "ModelName": model,
        "InstanceType": instance_type,
        "InitialInstanceCount": count,
    }


def test_unknown_instance_types_are_refused_per_operation(clients, training_data):
    sagemaker = clients["sagemaker"]
    with pytest.raises(ClientError) as raised:
        start_job(clients, training_data, resource_config=_resources("ml.bogus.huge", 1))
    code, message = _error(raised)
    assert code == "ValidationException"
    assert message.startswith(
        "1 validation error detected: Value 'ml.bogus.huge' at 'resourceConfig.instanceType' "
        "failed to satisfy constraint: Member must satisfy enum value set: [ml.m4.xlarge"
    )
    name = unique("v")
    _model(sagemaker, name)
    with pytest.raises(ClientError) as raised:
        sagemaker.create_endpoint_config(
            EndpointConfigName=name, ProductionVariants=[_variant(name, "ml.bogus.huge")]
        )
    code, message = _error(raised)
    assert code == "ValidationException"
    assert "at 'productionVariants.1.member.instanceType' failed to satisfy" in message
    # Each operation has its own list: a hosting-only type is no training type.
    training = {
        "TrainingJobName": "j",
        "RoleArn": ROLE,
        "OutputDataConfig": {"S3OutputPath": "s3://b/o"},
        "ResourceConfig": _resources("ml.t2.medium", 1),
    }
    assert "Value 'ml.t2.medium' at 'resourceConfig.instanceType'" in str(
        validation_errors("CreateTrainingJob", training)
    )
    assert (
        validation_errors(
            "CreateEndpointConfig",
            {"EndpointConfigName": "c", "ProductionVariants": [_variant("m", "ml.t2.medium")]},
        )
        == []
    )
    sagemaker.delete_model(ModelName=name)


def test_instance_counts_and_several_errors_at_once(clients, training_data):
    with pytest.raises(ClientError) as raised:
        start_job(clients, training_data, resource_config=_resources("ml.m5.large", 0))
    code, message = _error(raised)
    assert (code, message) == (
        "ValidationException",
        "1 validation error detected: Value '0' at 'resourceConfig.instanceCount' failed to "
        "satisfy constraint: Member must have value greater than or equal to 1",
    )
    errors = validation_errors(
        "CreateEndpointConfig",
        {"EndpointConfigName": "-bad-", "ProductionVariants": [_variant("m", "ml.x", 0)]},
    )
    assert len(errors) == 3, errors
    pattern = "'endpointConfigName' failed to satisfy constraint: Member must satisfy regular"
    assert any(pattern in e for e in errors)


def test_list_models_and_endpoint_configs_page_by_page(clients):
    sagemaker = clients["sagemaker"]
    prefix = unique("lst")
    names = [f"{prefix}-{i}" for i in range(5)]
    for name in names:
        _model(sagemaker, name)
        sagemaker.create_endpoint_config(
            EndpointConfigName=name, ProductionVariants=[_variant(name)]
        )
    try:
        pages = sagemaker.get_paginator("list_models").paginate(
            NameContains=prefix,
            SortBy="Name",
            SortOrder="Ascending",
            PaginationConfig={"PageSize": 2},
        )
        listed = [[m["ModelName"] for m in page["Models"]] for page in pages]
        assert listed == [names[0:2], names[2:4], names[4:5]]
        configs = [
            c["EndpointConfigName"]
            for page in sagemaker.get_paginator("list_endpoint_configs").paginate(
                NameContains=prefix, PaginationConfig={"PageSize": 3}
            )
            for c in page["EndpointConfigs"]
        ]
        assert configs == names[::-1]  # newest first, as the service's default
        with pytest.raises(ClientError, match="have value less than or equal to 100"):
            sagemaker.list_models(MaxResults=101)
    finally:
        for name in names:
            sagemaker.delete_endpoint_config(EndpointConfigName=name)
            sagemaker.delete_model(ModelName=name)
    assert sagemaker.list_models(NameContains=prefix)["Models"] == []


@pytest.mark.parametrize("token", ["not-a-token", "-5", "999999", "1.5"])
def test_a_next_token_it_did_not_hand_out_is_a_validation_exception(clients, token):
    """Refused at once as the service refuses it, never a 500 that clients retry for
    minutes."""
    sagemaker = clients["sagemaker"]
    for call in (
        sagemaker.list_models,
        sagemaker.list_endpoint_configs,
        sagemaker.list_endpoints,
        sagemaker.list_training_jobs,
    ):
        with pytest.raises(ClientError) as raised:
            call(NextToken=token)
        assert _error(raised) == ("ValidationException", f"Invalid pagination token: '{token}'.")
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
