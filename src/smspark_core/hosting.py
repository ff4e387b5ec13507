"""Hosting conversations with the SageMaker control plane: CreateModel, then
CreateEndpointConfig (variant ``AllRequests``), then CreateEndpoint, then waiting for
InService.

All or nothing: when anything fails part-way (an error, a refused field, an endpoint that
ends ``Failed``, or ``KeyboardInterrupt``/``SystemExit`` while waiting, the likeliest moment
for Ctrl-C since creation takes minutes) what was created is deleted again, and the error
says why it failed (the endpoint's FailureReason, the service's message), what was removed
and what could not be removed, with the names and how to delete them. ``keep_failed``
keeps the resources for debugging and names them instead.
"""

from __future__ import annotations

import copy
import logging
import numbers
import time
from typing import Any

from botocore.exceptions import ClientError

from smspark_core.errors import SmsparkError, add_note
from smspark_core.hosting_options import HostingOptionError, HostingOptions
from smspark_core.jobs import call_with_backoff
from smspark_core.resources import CreatedResources, NamePolicy, SageMakerSparkSDKException
from smspark_core.service_model import request_problems

log = logging.getLogger("smspark.hosting")

VARIANT_NAME = "AllRequests"


class EndpointFailed(SmsparkError):
    """An endpoint that ended ``Failed`` or did not reach InService in time."""


class EndpointCreationFailed(SageMakerSparkSDKException):
    """Creating model, endpoint config and endpoint failed; the message gives the root cause
    and what became of each resource. ``createdResources`` is what still exists (kept or not
    removable), ``removedResources`` the names deleted again."""

    def __init__(
        self,
        message: str,
        cause: BaseException | None,
        remaining: CreatedResources,
        removed: list[str],
    ) -> None:
        Exception.__init__(self, message)
        self.__cause__ = cause
        self.createdResources = remaining
        self.removedResources = removed


def require_instance_count(count: Any, name: str = "endpointInitialInstanceCount") -> int:
    """The endpoint instance count as SageMaker accepts it (an integer >= 1), checked before
    anything is created or trained."""
    if isinstance(count, bool) or not isinstance(count, numbers.Integral) or count < 1:
        raise ValueError(f"{name} must be an integer >= 1 to create an endpoint, got {count!r}")
    return int(count)


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
            raise EndpointFailed(
                f"endpoint {name} ended Failed: "
                f"{endpoint.get('FailureReason') or 'SageMaker gave no FailureReason'}"
            )
        if time.monotonic() > deadline:
            raise EndpointFailed(
                f"endpoint {name} did not reach InService within {timeout_seconds:g} seconds "
                f"(status {status})"
            )
        time.sleep(poll_seconds)


def hosting_requests(
    names: NamePolicy,
    *,
    image: str,
    model_data_url: str | None,
    environment: dict[str, str],
    role_arn: str | None,
    instance_type: str | None,
    instance_count: int | None,
    options: HostingOptions | None = None,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The CreateModel, CreateEndpointConfig and CreateEndpoint requests, with the hosting
    options written in; a HostingOptionError names what the service would refuse of them
    (botocore's model of each request)."""
    container: dict[str, Any] = {
        "ContainerHostname": names.modelName,
        "Image": image,
        "Environment": environment,
    }
    if model_data_url:
        container["ModelDataUrl"] = model_data_url
    model: dict[str, Any] = {"ModelName": names.modelName, "PrimaryContainer": container}
    if role_arn:
        model["ExecutionRoleArn"] = role_arn
    variant: dict[str, Any] = {"VariantName": VARIANT_NAME, "ModelName": names.modelName}
    if instance_type is not None:
        variant["InstanceType"] = instance_type
    if instance_count is not None:
        variant["InitialInstanceCount"] = instance_count
    config: dict[str, Any] = {
        "EndpointConfigName": names.endpointConfigName,
        "ProductionVariants": [variant],
    }
    endpoint: dict[str, Any] = {
        "EndpointName": names.endpointName,
        "EndpointConfigName": names.endpointConfigName,
    }
    if options is None:
        return model, config, endpoint
    plain = copy.deepcopy((model, config, endpoint))
    options.apply_hosting_options(model, config, endpoint)
    # The options' own problems: the rest is the service's to refuse, as it always was.
    for operation, request, original in zip(
        ("CreateModel", "CreateEndpointConfig", "CreateEndpoint"),
        (model, config, endpoint),
        plain,
        strict=True,
    ):
        known = set(request_problems(operation, original))
        problems = [p for p in request_problems(operation, request) if p not in known]
        if problems:
            raise HostingOptionError(f"{operation}: " + "; ".join(problems))
    return model, config, endpoint


def create_hosting_resources(
    sagemaker: Any,
    names: NamePolicy,
    *,
    image: str,
    model_data_url: str | None,
    environment: dict[str, str],
    role_arn: str | None,
    instance_type: str | None,
    instance_count: int | None,
    poll_seconds: float = 5.0,
    timeout_seconds: float = 1800.0,
    keep_failed: bool = False,
    options: HostingOptions | None = None,
) -> CreatedResources:
    """Creates model, endpoint config and endpoint and waits for InService; on any failure
    removes what it created (unless ``keep_failed``) and raises EndpointCreationFailed, or
    re-raises KeyboardInterrupt/SystemExit with the same report attached. The three
    requests are checked against botocore's model before the first call."""
    started = time.monotonic()
    # A name is recorded once its Create call may have taken effect: after it returns, or
    # when it was interrupted. A Create the service refused created nothing, and whatever
    # already had that name is not ours to delete.
    attempted: dict[str, str] = {}

    def create(kind: str, name: str, call: Any) -> None:
        try:
            call_with_backoff(call)
        except ClientError:
            raise
        except BaseException:
            attempted[kind] = name
            raise
        attempted[kind] = name

    model_request, config_request, endpoint_request = hosting_requests(
        names,
        image=image,
        model_data_url=model_data_url,
        environment=environment,
        role_arn=role_arn,
        instance_type=instance_type,
        instance_count=instance_count,
        options=options,
    )
    try:
        create("model", names.modelName, lambda: sagemaker.create_model(**model_request))
        create(
            "endpoint config",
            names.endpointConfigName,
            lambda: sagemaker.create_endpoint_config(**config_request),
        )
        create(
            "endpoint",
            names.endpointName,
            lambda: sagemaker.create_endpoint(**endpoint_request),
        )
        wait_for_endpoint(
            sagemaker,
            names.endpointName,
            timeout_seconds=timeout_seconds,
            poll_seconds=poll_seconds,
        )
        return CreatedResources(names.modelName, names.endpointConfigName, names.endpointName)
    except BaseException as error:
        interrupted = not isinstance(error, Exception)
        cause = f"interrupted ({type(error).__name__})" if interrupted else _root_cause(error)
        headline = f"creating endpoint {names.endpointName} failed: {cause}"
        message, remaining, removed = _settle(sagemaker, headline, attempted, keep_failed)
        if interrupted:
            log.warning("%s", message)
            add_note(error, message)
            raise
        raise EndpointCreationFailed(message, error, remaining, removed) from error
    finally:
        log.info("endpoint creation time: %.1f s", time.monotonic() - started)


def _root_cause(error: BaseException) -> str:
    """The service's own words for a failure (code and message), else the error's text."""
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        operation = getattr(error, "operation_name", "the call")
        return f"{operation}: {details.get('Code', '')}: {details.get('Message', '')}"
    return str(error) or type(error).__name__


_DELETE = {
    "endpoint": ("describe_endpoint", "delete_endpoint", "EndpointName", "delete-endpoint"),
    "endpoint config": (
        "describe_endpoint_config",
        "delete_endpoint_config",
        "EndpointConfigName",
        "delete-endpoint-config",
    ),
    "model": ("describe_model", "delete_model", "ModelName", "delete-model"),
}


def _delete(sagemaker: Any, kind: str, name: str) -> bool:
    """Deletes one resource; False when it does not exist (never created, already gone)."""
    describe, delete, key, _ = _DELETE[kind]
    try:
        call_with_backoff(lambda: getattr(sagemaker, describe)(**{key: name}))
    except ClientError as error:
        details = error.response.get("Error", {})
        if details.get("Code") == "ValidationException" and (
            "not find" in details.get("Message", "") or "not found" in details.get("Message", "")
        ):
            return False
        raise
    call_with_backoff(lambda: getattr(sagemaker, delete)(**{key: name}))
    return True


def how_to_delete(kind: str, name: str) -> str:
    """The AWS CLI command that deletes one resource."""
    _, _, key, command = _DELETE[kind]
    option = "--" + "".join("-" + c.lower() if c.isupper() else c for c in key).lstrip("-")
    return f"aws sagemaker {command} {option} {name}"


def _settle(
    sagemaker: Any, headline: str, attempted: dict[str, str], keep: bool
) -> tuple[str, CreatedResources, list[str]]:
    """Removes (or keeps) what was created; returns the full message, what still exists and
    the names removed. Endpoint first, then its config, then the model, as the service needs."""
    order = [kind for kind in ("endpoint", "endpoint config", "model") if kind in attempted]
    lines = [headline]
    if keep:
        kept = [(kind, attempted[kind]) for kind in order]
        if kept:
            lines.append(
                "kept for debugging (keepFailedResources=True): "
                + "; ".join(f"{kind} {name} ({how_to_delete(kind, name)})" for kind, name in kept)
            )
        return "\n".join(lines), _resources(dict(kept)), []
    removed, left = [], {}
    for kind in order:
        name = attempted[kind]
        try:
            if _delete(sagemaker, kind, name):
                removed.append(f"{kind} {name}")
        except Exception as error:
            left[kind] = (name, _root_cause(error))
    lines.append("removed: " + (", ".join(removed) if removed else "nothing (nothing was created)"))
    if left:
        lines.append(
            "could NOT remove (delete them yourself, or with SageMakerResourceCleanup("
            "client).deleteResources(error.createdResources)): "
            + "; ".join(
                f"{kind} {name} ({why}): {how_to_delete(kind, name)}"
                for kind, (name, why) in left.items()
            )
        )
    return "\n".join(lines), _resources({k: n for k, (n, _) in left.items()}), removed


def _resources(names: dict[str, str]) -> CreatedResources:
    return CreatedResources(names.get("model"), names.get("endpoint config"), names.get("endpoint"))
