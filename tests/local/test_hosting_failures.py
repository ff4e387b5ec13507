"""Creating an endpoint is all or nothing: any failure, Ctrl-C or SystemExit removes the model,
endpoint config and endpoint it created, and the error says why (the endpoint's
FailureReason, the refused field) and what became of each resource, even when a Create's
answer was lost or a second Ctrl-C stops the cleanup."""

from __future__ import annotations

import io
import logging
import tarfile

import pytest
from botocore.exceptions import ClientError
from local_helpers import FAST, ROLE, unique
from smspark_local.stub_images import ECHO_IMAGE as ECHO_STUB

from smspark_core.aws import hosting
from smspark_core.aws.hosting import EndpointCreationFailed
from smspark_core.aws.preflight import RequestRefused
from smspark_core.aws.resources import CreatedResources, CustomNamePolicy, SageMakerResourceCleanup
from smspark_core.model import SageMakerModel
from smspark_core.transformation.deserializers import XGBoostCSVRowDeserializer
from smspark_core.transformation.serializers import UnlabeledCSVRequestRowSerializer

STUB = "local/stub-echo:1"


@pytest.fixture(scope="module")
def bucket(local, clients):
    local.register_image(STUB, ECHO_STUB)
    name = unique("hosting")
    clients["s3"].create_bucket(Bucket=name)
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        info = tarfile.TarInfo("model")
        tar.addfile(info, io.BytesIO(b""))
    clients["s3"].put_object(Bucket=name, Key="good/model.tar.gz", Body=archive.getvalue())
    clients["s3"].put_object(Bucket=name, Key="corrupt/model.tar.gz", Body=b"not a tar archive")
    return name


def _names(prefix="hf"):
    base = unique(prefix)
    return CustomNamePolicy(f"{base}-job", f"{base}-model", f"{base}-config", f"{base}-ep")


def _host(local, artifact, names, **options):
    return SageMakerModel.from_model_s3_path(
        artifact,
        options.pop("image", STUB),
        ROLE,
        options.pop("instance_type", "ml.m5.large"),
        options.pop("count", 1),
        UnlabeledCSVRequestRowSerializer(),
        XGBoostCSVRowDeserializer(),
        namePolicy=names,
        endpointPollSeconds=0.1,
        clientSpec=local.client_spec,
        **options,
    )


def _left_behind(clients, names) -> list[str]:
    """What still exists of ``names`` (an endpoint being deleted counts until it is gone)."""
    sagemaker = clients["sagemaker"]
    sagemaker.get_waiter("endpoint_deleted").wait(
        EndpointName=names.endpointName, WaiterConfig=FAST
    )
    found = [m["ModelName"] for m in sagemaker.list_models(NameContains=names.modelName)["Models"]]
    configs = sagemaker.list_endpoint_configs(NameContains=names.endpointConfigName)
    found += [c["EndpointConfigName"] for c in configs["EndpointConfigs"]]
    endpoints = sagemaker.list_endpoints(NameContains=names.endpointName)["Endpoints"]
    found += [e["EndpointName"] for e in endpoints]
    return found


def _all_removed(names) -> str:
    return (
        f"removed: endpoint {names.endpointName}, endpoint config {names.endpointConfigName}, "
        f"model {names.modelName}"
    )


@pytest.mark.parametrize(
    "key, reason",
    [
        ("missing/model.tar.gz", "cannot download the model data"),
        ("corrupt/model.tar.gz", "cannot extract the model archive"),
    ],
)
def test_a_failed_endpoint_is_removed_and_its_failure_reason_shown(
    local, clients, bucket, key, reason
):
    names = _names()
    with pytest.raises(EndpointCreationFailed) as raised:
        _host(local, f"s3://{bucket}/{key}", names)
    message = str(raised.value)
    assert message.startswith(
        f"creating endpoint {names.endpointName} failed: endpoint {names.endpointName} ended "
        f"Failed: ClientError: {reason}"
    )
    assert _all_removed(names) in message
    assert "could NOT remove" not in message
    assert raised.value.createdResources.endpointName is None  # nothing left
    assert _left_behind(clients, names) == []


def test_an_unknown_instance_type_is_refused_before_any_call(local, clients, bucket):
    names = _names()
    with pytest.raises(RequestRefused) as raised:
        _host(local, f"s3://{bucket}/good/model.tar.gz", names, instance_type="ml.bogus.huge")
    message = str(raised.value)
    assert message.startswith(
        "SageMaker would refuse CreateEndpointConfig: Value 'ml.bogus.huge' at "
        "'productionVariants.1.member.instanceType' failed to satisfy constraint: Member must "
        "satisfy enum value set: [ml.t2.medium, "
    )
    assert message.endswith("] (set by endpointInstanceType)")
    assert _left_behind(clients, names) == []


def test_a_refused_create_is_named_and_only_what_was_ours_removed(local, clients, bucket):
    """CreateEndpointConfig refused because the name is taken by someone else's config: the
    model this call created is removed, the other config is not ours and stays."""
    names = _names()
    sagemaker = clients["sagemaker"]
    sagemaker.create_model(
        ModelName=names.endpointConfigName, PrimaryContainer={"Image": STUB}, ExecutionRoleArn=ROLE
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName=names.endpointConfigName,
        ProductionVariants=[
            {
                "VariantName": "AllRequests",
                "ModelName": names.endpointConfigName,
                "InitialInstanceCount": 1,
                "InstanceType": "ml.m5.large",
            }
        ],
    )
    with pytest.raises(EndpointCreationFailed) as raised:
        _host(local, f"s3://{bucket}/good/model.tar.gz", names)
    message = str(raised.value)
    assert message.startswith(
        f"creating endpoint {names.endpointName} failed: CreateEndpointConfig: "
        "ValidationException: Cannot create already existing endpoint configuration "
    )
    assert f"removed: model {names.modelName}" in message
    assert raised.value.removedResources == [f"model {names.modelName}"]
    assert sagemaker.describe_endpoint_config(EndpointConfigName=names.endpointConfigName)
    sagemaker.delete_endpoint_config(EndpointConfigName=names.endpointConfigName)
    sagemaker.delete_model(ModelName=names.endpointConfigName)
    assert _left_behind(clients, names) == []


class _LosesFirstAnswer:
    """A SageMaker client whose ``operation`` takes effect but whose answer is lost once (a
    500 after the fact), so the retry meets "already exists"."""

    def __init__(self, client, operation: str):
        self._client, self._operation, self.calls = client, operation, 0

    def __getattr__(self, name):
        call = getattr(self._client, name)
        if name != self._operation:
            return call

        def lost(**request):
            self.calls += 1
            answer = call(**request)
            if self.calls == 1:
                raise ClientError(
                    {
                        "Error": {"Code": "InternalFailure", "Message": "answer lost"},
                        "ResponseMetadata": {"HTTPStatusCode": 500},
                    },
                    "".join(p.title() for p in name.split("_")),
                )
            return answer

        return lost


@pytest.mark.parametrize(
    "operation, refused",
    [
        ("create_model", "CreateModel: ValidationException: Cannot create already existing model"),
        ("create_endpoint_config", "CreateEndpointConfig: ValidationException: Cannot create "
         "already existing endpoint configuration"),
        ("create_endpoint", "CreateEndpoint: ValidationException: Cannot create already "
         "existing endpoint"),
    ],
)  # fmt: skip
def test_a_create_that_took_effect_before_its_error_is_removed(
    local, clients, bucket, operation, refused
):
    """The retried Create meets "already exists": what the first attempt created is ours and
    is removed (the endpoint once it has left Creating, as SageMaker requires)."""
    names = _names()
    losing = _LosesFirstAnswer(local.client("sagemaker"), operation)
    with pytest.raises(EndpointCreationFailed) as raised:
        _host(local, f"s3://{bucket}/good/model.tar.gz", names, sagemakerClient=losing)
    message = str(raised.value)
    assert message.startswith(f"creating endpoint {names.endpointName} failed: {refused}")
    assert losing.calls == 2
    created = {
        "create_model": [f"model {names.modelName}"],
        "create_endpoint_config": [
            f"endpoint config {names.endpointConfigName}",
            f"model {names.modelName}",
        ],
        "create_endpoint": [
            f"endpoint {names.endpointName}",
            f"endpoint config {names.endpointConfigName}",
            f"model {names.modelName}",
        ],
    }[operation]
    assert raised.value.removedResources == created
    assert "removed: " + ", ".join(created) in message and "could NOT" not in message
    assert _left_behind(clients, names) == []


@pytest.mark.parametrize("count", [0, -1, 1.5, None])
def test_a_bad_instance_count_is_refused_before_any_call(local, clients, bucket, count):
    names = _names()
    with pytest.raises(ValueError, match="endpointInitialInstanceCount must be an integer >= 1"):
        _host(local, f"s3://{bucket}/good/model.tar.gz", names, count=count)
    assert _left_behind(clients, names) == []


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, SystemExit])
def test_ctrl_c_while_the_endpoint_is_creating_removes_everything(
    local, clients, bucket, monkeypatch, interrupt
):
    """The model takes 3 s to load, so the endpoint is Creating when the wait is interrupted;
    the cleanup waits for it to leave Creating (SageMaker refuses to delete it before) and
    removes everything; the interrupt stays an interrupt, and carries the report."""
    names = _names()
    seen = []

    def interrupted(sagemaker, name, **_):
        seen.append(sagemaker.describe_endpoint(EndpointName=name)["EndpointStatus"])
        raise interrupt()

    monkeypatch.setattr(hosting, "wait_for_endpoint", interrupted)
    with pytest.raises(interrupt) as raised:
        _host(
            local,
            f"s3://{bucket}/good/model.tar.gz",
            names,
            modelEnvironmentVariables={"STUB_LOAD_SECONDS": "3"},
        )
    assert seen == ["Creating"]
    notes = "\n".join(getattr(raised.value, "__notes__", []))
    assert (
        f"creating endpoint {names.endpointName} failed: interrupted ({interrupt.__name__})"
        in notes
    )
    assert _all_removed(names) in notes
    assert _left_behind(clients, names) == []


def test_keep_failed_resources_keeps_and_names_them(local, clients, bucket):
    names = _names()
    with pytest.raises(EndpointCreationFailed) as raised:
        _host(local, f"s3://{bucket}/missing/model.tar.gz", names, keepFailedResources=True)
    message = str(raised.value)
    assert "kept for debugging (keepFailedResources=True)" in message
    assert f"aws sagemaker delete-endpoint --endpoint-name {names.endpointName}" in message
    kept = raised.value.createdResources
    assert (kept.modelName, kept.endpointConfigName, kept.endpointName) == (
        names.modelName,
        names.endpointConfigName,
        names.endpointName,
    )
    described = clients["sagemaker"].describe_endpoint(EndpointName=names.endpointName)
    assert described["EndpointStatus"] == "Failed"
    SageMakerResourceCleanup(clients["sagemaker"]).delete_resources(kept)
    assert _left_behind(clients, names) == []


class _RefusesEndpointDeletion:
    """A SageMaker client whose DeleteEndpoint is denied, as for a role without the right."""

    def __init__(self, client):
        self._client = client

    def __getattr__(self, name):
        return getattr(self._client, name)

    def delete_endpoint(self, **_):
        error = {"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}}
        raise ClientError(error, "DeleteEndpoint")


def test_what_cannot_be_removed_is_named_with_how_to_delete_it(local, clients, bucket):
    names = _names()
    refusing = _RefusesEndpointDeletion(local.client("sagemaker"))
    with pytest.raises(EndpointCreationFailed) as raised:
        _host(local, f"s3://{bucket}/missing/model.tar.gz", names, sagemakerClient=refusing)
    message = str(raised.value)
    assert (
        f"could NOT remove (delete them yourself, or with SageMakerResourceCleanup(client)"
        f".deleteResources(error.createdResources)): endpoint {names.endpointName} "
        "(DeleteEndpoint: AccessDeniedException: not authorized): aws sagemaker delete-endpoint "
        f"--endpoint-name {names.endpointName}"
    ) in message
    assert (
        f"removed: endpoint config {names.endpointConfigName}, model {names.modelName}" in message
    )
    assert raised.value.createdResources.endpointName == names.endpointName
    SageMakerResourceCleanup(clients["sagemaker"]).delete_resources(raised.value.createdResources)
    assert _left_behind(clients, names) == []


@pytest.mark.spark
def test_create_on_transform_cleans_up_too(local, clients, bucket, spark):
    from smspark_core.aws.resources import EndpointCreationPolicy

    names = _names()
    lazy = _host(
        local,
        f"s3://{bucket}/missing/model.tar.gz",
        names,
        endpointCreationPolicy=EndpointCreationPolicy.CREATE_ON_TRANSFORM,
    )
    with pytest.raises(EndpointCreationFailed, match="cannot download the model data") as raised:
        lazy.transform(spark.range(1))
    assert _all_removed(names) in str(raised.value)
    assert _left_behind(clients, names) == [] and lazy.endpointName is None


class _SecondCtrlC(logging.Handler):
    """Presses Ctrl-C again when the cleanup says it waits for the endpoint (the handler runs
    in the thread that logs, so the interrupt arrives there, as a keypress would)."""

    def emit(self, record: logging.LogRecord) -> None:
        if "SageMaker deletes it only once it is InService or Failed" in record.getMessage():
            raise KeyboardInterrupt


def test_a_second_ctrl_c_during_cleanup_still_reports_everything(
    local, clients, bucket, monkeypatch
):
    names = _names()

    def interrupted(sagemaker, name, **_):
        raise KeyboardInterrupt

    monkeypatch.setattr(hosting, "wait_for_endpoint", interrupted)
    handler = _SecondCtrlC()
    logging.getLogger("smspark.hosting").addHandler(handler)
    try:
        with pytest.raises(KeyboardInterrupt) as raised:
            _host(
                local,
                f"s3://{bucket}/good/model.tar.gz",
                names,
                modelEnvironmentVariables={"STUB_LOAD_SECONDS": "3"},
            )
    finally:
        logging.getLogger("smspark.hosting").removeHandler(handler)
    notes = "\n".join(raised.value.__notes__)
    assert isinstance(raised.value.__cause__, KeyboardInterrupt)  # the first Ctrl-C
    assert (
        f"creating endpoint {names.endpointName} failed: interrupted (KeyboardInterrupt)" in notes
    )
    assert "removed: nothing\n" in notes
    interrupted_why = "cleanup interrupted (KeyboardInterrupt)"
    assert (
        f"endpoint {names.endpointName} ({interrupted_why}): aws sagemaker delete-endpoint "
        f"--endpoint-name {names.endpointName}; endpoint config {names.endpointConfigName} "
        f"({interrupted_why}): aws sagemaker delete-endpoint-config --endpoint-config-name "
        f"{names.endpointConfigName}; model {names.modelName} ({interrupted_why}): aws "
        f"sagemaker delete-model --model-name {names.modelName}"
    ) in notes
    sagemaker = clients["sagemaker"]
    sagemaker.get_waiter("endpoint_in_service").wait(
        EndpointName=names.endpointName, WaiterConfig=FAST
    )
    SageMakerResourceCleanup(sagemaker).delete_resources(
        CreatedResources(names.modelName, names.endpointConfigName, names.endpointName)
    )
    assert _left_behind(clients, names) == []


def test_an_endpoint_still_creating_past_the_wait_is_named(local, clients, bucket):
    """The endpoint does not reach InService within the creation timeout, nor leave Creating
    within the same time afterwards: it cannot be deleted yet, and the report says so."""
    names = _names()
    with pytest.raises(EndpointCreationFailed) as raised:
        hosting.create_hosting_resources(
            local.client("sagemaker"),
            names,
            image=STUB,
            model_data_url=f"s3://{bucket}/good/model.tar.gz",
            environment={"STUB_LOAD_SECONDS": "30"},
            role_arn=ROLE,
            instance_type="ml.m5.large",
            instance_count=1,
            poll_seconds=0.1,
            timeout_seconds=0.5,
        )
    message = str(raised.value)
    assert message.startswith(
        f"creating endpoint {names.endpointName} failed: endpoint {names.endpointName} did "
        "not reach InService within 0.5 seconds (status Creating)"
    )
    assert "removed: nothing\ncould NOT remove" in message
    assert (
        f"endpoint {names.endpointName} (still Creating after 0.5 s, and SageMaker deletes an "
        "endpoint only once it is InService or Failed): aws sagemaker delete-endpoint "
        f"--endpoint-name {names.endpointName}; endpoint config {names.endpointConfigName} "
        f"(endpoint {names.endpointName} still uses it): aws sagemaker delete-endpoint-config "
        f"--endpoint-config-name {names.endpointConfigName}; model {names.modelName} (endpoint "
        f"{names.endpointName} still uses it): aws sagemaker delete-model --model-name "
        f"{names.modelName}"
    ) in message
    assert raised.value.createdResources == CreatedResources(
        names.modelName, names.endpointConfigName, names.endpointName
    )
    sagemaker = clients["sagemaker"]
    with pytest.raises(ClientError) as refused:  # as SageMaker answers it
        sagemaker.delete_endpoint(EndpointName=names.endpointName)
    assert refused.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": "Cannot update in-progress endpoint "
        f'"arn:aws:sagemaker:us-east-1:123456789012:endpoint/{names.endpointName.lower()}".',
    }
    sagemaker.get_waiter("endpoint_in_service").wait(
        EndpointName=names.endpointName, WaiterConfig=FAST
    )
    SageMakerResourceCleanup(sagemaker).delete_resources(raised.value.createdResources)
    assert _left_behind(clients, names) == []
