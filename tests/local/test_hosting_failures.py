"""Creating an endpoint is all or nothing: any failure, Ctrl-C or SystemExit removes the model,
endpoint config and endpoint it created, and the error says why (the endpoint's
FailureReason, the refused field) and what became of each resource."""

from __future__ import annotations

import io
import tarfile

import pytest
from botocore.exceptions import ClientError
from conftest import FAST, ROLE, unique
from smspark_local.stub_images import ECHO_IMAGE as ECHO_STUB

from smspark_core import hosting
from smspark_core.hosting import EndpointCreationFailed
from smspark_core.model import SageMakerModel
from smspark_core.resources import CustomNamePolicy, SageMakerResourceCleanup
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


def test_a_refused_field_is_named_and_the_model_removed(local, clients, bucket):
    names = _names()
    with pytest.raises(EndpointCreationFailed) as raised:
        _host(local, f"s3://{bucket}/good/model.tar.gz", names, instance_type="ml.bogus.huge")
    message = str(raised.value)
    assert (
        "CreateEndpointConfig: ValidationException: 1 validation error detected: Value " in message
    )
    assert "'ml.bogus.huge' at 'productionVariants.1.member.instanceType'" in message
    assert f"removed: model {names.modelName}" in message
    assert raised.value.removedResources == [f"model {names.modelName}"]
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
    """The model takes 60 s to load, so the endpoint is Creating when the wait is interrupted;
    the interrupt stays an interrupt, and carries the report."""
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
            modelEnvironmentVariables={"STUB_LOAD_SECONDS": "60"},
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
    from smspark_core.resources import EndpointCreationPolicy

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
