"""Hosting conversations with the SageMaker control plane: CreateModel, then
CreateEndpointConfig (variant ``AllRequests``), then CreateEndpoint, then waiting for
InService. A failure part-way raises SageMakerSparkSDKException listing what was created,
so that nothing is left behind unreported."""

from __future__ import annotations

import logging
import time
from typing import Any

from smspark_core.jobs import call_with_backoff
from smspark_core.resources import CreatedResources, NamePolicy, SageMakerSparkSDKException

log = logging.getLogger("smspark.hosting")

VARIANT_NAME = "AllRequests"


def wait_for_endpoint(
    sagemaker: Any, name: str, *, timeout_seconds: float = 1800.0, poll_seconds: float = 5.0
) -> dict[str, Any]:
    """Polls DescribeEndpoint until InService (throttling and 5xx tolerated)."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        endpoint = call_with_backoff(lambda: sagemaker.describe_endpoint(EndpointName=name))
        status = endpoint["EndpointStatus"]
        if status == "InService":
            return endpoint
        if status == "Failed":
            raise RuntimeError(
                f"Endpoint '{name}' failed for reason: '{endpoint.get('FailureReason', '')}'"
            )
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"Timed out after {timeout_seconds:g} seconds while waiting for Endpoint "
                f"'{name}' to finish creating (status {status})"
            )
        time.sleep(poll_seconds)


def create_hosting_resources(
    sagemaker: Any,
    names: NamePolicy,
    *,
    image: str,
    model_data_url: str | None,
    environment: dict[str, str],
    role_arn: str | None,
    instance_type: str,
    instance_count: int,
    poll_seconds: float = 5.0,
    timeout_seconds: float = 1800.0,
) -> CreatedResources:
    """Creates model, endpoint config and endpoint and waits for InService."""
    created = CreatedResources()
    started = time.monotonic()
    try:
        container: dict[str, Any] = {
            "ContainerHostname": names.modelName,
            "Image": image,
            "Environment": environment,
        }
        if model_data_url:
            container["ModelDataUrl"] = model_data_url
        model_request: dict[str, Any] = {
            "ModelName": names.modelName,
            "PrimaryContainer": container,
        }
        if role_arn:
            model_request["ExecutionRoleArn"] = role_arn
        sagemaker.create_model(**model_request)
        created = CreatedResources(modelName=names.modelName)
        sagemaker.create_endpoint_config(
            EndpointConfigName=names.endpointConfigName,
            ProductionVariants=[
                {
                    "VariantName": VARIANT_NAME,
                    "ModelName": names.modelName,
                    "InstanceType": instance_type,
                    "InitialInstanceCount": instance_count,
                }
            ],
        )
        created = CreatedResources(names.modelName, names.endpointConfigName)
        sagemaker.create_endpoint(
            EndpointName=names.endpointName, EndpointConfigName=names.endpointConfigName
        )
        created = CreatedResources(names.modelName, names.endpointConfigName, names.endpointName)
        wait_for_endpoint(
            sagemaker,
            names.endpointName,
            timeout_seconds=timeout_seconds,
            poll_seconds=poll_seconds,
        )
        return created
    except Exception as error:
        raise SageMakerSparkSDKException(
            "SageMaker resource creation failed.", error, created
        ) from error
    finally:
        log.info("endpoint creation time: %.1f s", time.monotonic() - started)
