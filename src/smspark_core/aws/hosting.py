"""Hosting conversations with the SageMaker control plane: CreateModel, then
CreateEndpointConfig (variant ``AllRequests``), then CreateEndpoint, then waiting for
InService.

All or nothing: when anything fails part-way (an error, a refused field, an endpoint that
ends ``Failed``, or ``KeyboardInterrupt``/``SystemExit`` while waiting, the likeliest moment
for Ctrl-C since creation takes minutes) what was created is deleted again, and the error
says why it failed (the endpoint's FailureReason, the service's message), what was removed
and what could not be removed, with the names and how to delete them. ``keep_failed``
keeps the resources for debugging and names them instead.

SageMaker refuses to delete an endpoint while it is ``Creating`` or ``Updating``
(``ValidationException: Cannot update in-progress endpoint``), so the cleanup waits, up to
the creation timeout, for the endpoint to leave that status and then deletes it. A second
Ctrl-C during the cleanup stops it, and the report still says what was removed and what was
not.
"""

from __future__ import annotations

import copy
import logging
import numbers
import time
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from smspark_core.aws.hosting_options import VARIANT_NAME, HostingOptionError, HostingOptions
from smspark_core.aws.jobs import aws_cli, call_with_backoff, retryable
from smspark_core.aws.resources import CreatedResources, NamePolicy, SageMakerSparkSDKException
from smspark_core.aws.service_model import request_problems
from smspark_core.foundation.errors import SmsparkError, add_note

log = logging.getLogger("smspark.hosting")


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
    # A name is recorded as possibly created before its Create call: a call retried after a
    # lost answer may have taken effect although it ends in an error ("already exists"), and
    # so may one that was interrupted. Only a Create refused at its one and only attempt
    # (a refused field, a name already taken before we came) is known to have created
    # nothing, and whatever already had that name is not ours to delete.
    attempted: dict[str, str] = {}

    def create(kind: str, name: str, call: Any) -> None:
        attempts = 0

        def attempt() -> Any:
            nonlocal attempts
            attempts += 1
            return call()

        attempted[kind] = name
        try:
            call_with_backoff(attempt)
        except ClientError as error:
            if attempts == 1 and not retryable(error):
                del attempted[kind]
            raise

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
        wait = _Wait(timeout_seconds, poll_seconds)
        message, remaining, removed, again = _settle(
            sagemaker, headline, attempted, keep_failed, wait
        )
        if again is not None:  # a second Ctrl-C stopped the cleanup: the report goes with it
            log.warning("%s", message)
            add_note(again, message)
            raise again from error
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
    "endpoint": ("describe_endpoint", "delete_endpoint", "EndpointName"),
    "endpoint config": ("describe_endpoint_config", "delete_endpoint_config", "EndpointConfigName"),
    "model": ("describe_model", "delete_model", "ModelName"),
}
# Statuses in which SageMaker refuses DeleteEndpoint ("Cannot update in-progress endpoint").
IN_PROGRESS = ("Creating", "Updating")


@dataclass(frozen=True)
class _Wait:
    """How long the cleanup waits for an endpoint to leave an in-progress status."""

    timeout_seconds: float
    poll_seconds: float


class _StillInProgress(Exception):
    """An endpoint that stayed in an in-progress status past the cleanup's wait."""


def _missing(error: ClientError) -> bool:
    details = error.response.get("Error", {})
    return details.get("Code") == "ValidationException" and (
        "not find" in details.get("Message", "") or "not found" in details.get("Message", "")
    )


def _in_progress(error: ClientError) -> bool:
    details = error.response.get("Error", {})
    return details.get("Code") == "ValidationException" and "in-progress" in details.get(
        "Message", ""
    )


def _delete(sagemaker: Any, kind: str, name: str, wait: _Wait) -> bool:
    """Deletes one resource; False when it does not exist (never created, already gone).
    An endpoint that is still being created or updated is waited for first (up to
    ``wait.timeout_seconds``), since SageMaker refuses to delete it until then."""
    describe, delete, key = _DELETE[kind]
    deadline = time.monotonic() + wait.timeout_seconds
    told = False
    while True:
        try:
            described = call_with_backoff(lambda: getattr(sagemaker, describe)(**{key: name}))
        except ClientError as error:
            if _missing(error):
                return False
            raise
        status = described.get("EndpointStatus") if kind == "endpoint" else None
        if status not in IN_PROGRESS:
            try:
                call_with_backoff(lambda: getattr(sagemaker, delete)(**{key: name}))
                return True
            except ClientError as error:
                if not _in_progress(error):
                    raise
                status = status or "in progress"  # changed since DescribeEndpoint answered
        if time.monotonic() + wait.poll_seconds > deadline:
            raise _StillInProgress(
                f"still {status} after {wait.timeout_seconds:g} s, and SageMaker deletes an "
                "endpoint only once it is InService or Failed"
            )
        if not told:
            log.warning(
                "endpoint %s is %s: SageMaker deletes it only once it is InService or Failed; "
                "waiting up to %g s (Ctrl-C leaves it behind: %s)",
                name,
                status,
                wait.timeout_seconds,
                how_to_delete(kind, name),
            )
            told = True
        time.sleep(wait.poll_seconds)


def how_to_delete(kind: str, name: str) -> str:
    """The AWS CLI command that deletes one resource."""
    _, delete, key = _DELETE[kind]
    return aws_cli(delete, key, name)


def _settle(
    sagemaker: Any, headline: str, attempted: dict[str, str], keep: bool, wait: _Wait
) -> tuple[str, CreatedResources, list[str], BaseException | None]:
    """Removes (or keeps) what was created; returns the full message, what still exists,
    the names removed, and a KeyboardInterrupt/SystemExit that stopped the cleanup (the
    caller raises it). Endpoint first, then its config, then the model, as the service
    needs."""
    order = [kind for kind in ("endpoint", "endpoint config", "model") if kind in attempted]
    lines = [headline]
    if keep:
        kept = [(kind, attempted[kind]) for kind in order]
        if kept:
            lines.append(
                "kept for debugging (keepFailedResources=True): "
                + "; ".join(f"{kind} {name} ({how_to_delete(kind, name)})" for kind, name in kept)
            )
        return "\n".join(lines), _resources(dict(kept)), [], None
    removed, left = [], {}
    interrupt: BaseException | None = None
    in_progress = False  # the endpoint could not be deleted yet
    for kind in order:
        name = attempted[kind]
        if interrupt is not None:
            left[kind] = (name, f"cleanup interrupted ({type(interrupt).__name__})")
            continue
        if in_progress:  # SageMaker warns against deleting what such an endpoint uses
            left[kind] = (name, f"endpoint {attempted['endpoint']} still uses it")
            continue
        try:
            if _delete(sagemaker, kind, name, wait):
                removed.append(f"{kind} {name}")
        except _StillInProgress as error:
            left[kind], in_progress = (name, str(error)), True
        except Exception as error:
            left[kind] = (name, _root_cause(error))
        except BaseException as error:  # a second Ctrl-C: report, then stop
            interrupt = error
            left[kind] = (name, f"cleanup interrupted ({type(error).__name__})")
    if removed:
        lines.append("removed: " + ", ".join(removed))
    elif not left:
        lines.append("removed: nothing (nothing was created)")
    else:
        lines.append("removed: nothing")
    if left:
        lines.append(
            "could NOT remove (delete them yourself, or with SageMakerResourceCleanup("
            "client).deleteResources(error.createdResources)): "
            + "; ".join(
                f"{kind} {name} ({why}): {how_to_delete(kind, name)}"
                for kind, (name, why) in left.items()
            )
        )
    return (
        "\n".join(lines),
        _resources({k: n for k, (n, _) in left.items()}),
        removed,
        interrupt,
    )


def _resources(names: dict[str, str]) -> CreatedResources:
    return CreatedResources(names.get("model"), names.get("endpoint config"), names.get("endpoint"))
