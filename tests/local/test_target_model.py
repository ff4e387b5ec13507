"""Multi-model endpoints and the variant that answered, through boto3 on the local backend.

A model in Mode MultiModel serves the archives under its ModelDataUrl prefix: TargetModel
picks one, which each model server loads once through the multi-model API; a missing archive,
a path out of the prefix, a multi-model endpoint asked without TargetModel and a single-model
one asked with it are ValidationErrors. ``x-Amzn-Invoked-Production-Variant`` names the
variant whose model computed the answer."""

from __future__ import annotations

import io
import json
import tarfile
import time

import pytest
from botocore.exceptions import ClientError
from local_helpers import FAST, ROLE, SUM_IMAGE, unique

BODY = b'{"features": [1, 1, 1]}\n'


def _archive(weights: list[float]) -> bytes:
    data = json.dumps(weights).encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        member = tarfile.TarInfo("weights.json")
        member.size = len(data)
        tar.addfile(member, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture(scope="module")
def archives(clients):
    """Two models under one prefix: totals 1 and 2 for BODY."""
    bucket = unique("mme")
    s3 = clients["s3"]
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="models/a.tar.gz", Body=_archive([1.0, 0.0, 0.0]))
    s3.put_object(Bucket=bucket, Key="models/team/b.tar.gz", Body=_archive([0.0, 2.0, 0.0]))
    return bucket


def _endpoint(clients, variants: list[tuple[str, dict, int, float]]) -> str:
    """An endpoint of (variant name, container, instances, weight) variants."""
    sagemaker = clients["sagemaker"]
    name = unique("mme")
    production = []
    for variant, container, instances, weight in variants:
        model = f"{name}-{variant}".lower()
        sagemaker.create_model(ModelName=model, ExecutionRoleArn=ROLE, PrimaryContainer=container)
        production.append(
            {
                "VariantName": variant,
                "ModelName": model,
                "InitialInstanceCount": instances,
                "InstanceType": "ml.m5.large",
                "InitialVariantWeight": weight,
            }
        )
    sagemaker.create_endpoint_config(EndpointConfigName=name, ProductionVariants=production)
    sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=name)
    sagemaker.get_waiter("endpoint_in_service").wait(EndpointName=name, WaiterConfig=FAST)
    return name


@pytest.fixture(scope="module")
def multi_model(clients, archives):
    container = {
        "Image": SUM_IMAGE,
        "ModelDataUrl": f"s3://{archives}/models/",
        "Mode": "MultiModel",
    }
    name = _endpoint(clients, [("AllTraffic", container, 2, 1.0)])
    yield name
    clients["sagemaker"].delete_endpoint(EndpointName=name)


def _total(clients, endpoint, **fields) -> float:
    answer = clients["sagemaker-runtime"].invoke_endpoint(
        EndpointName=endpoint, Body=BODY, ContentType="application/jsonlines", **fields
    )
    return json.loads(answer["Body"].read())["total"]


def test_target_model_selects_the_archive(local, clients, multi_model):
    # Round-robin over the 2 model servers: each is asked for each model twice.
    for target, total in [("a.tar.gz", 1.0), ("team/b.tar.gz", 2.0)] * 2:
        assert _total(clients, multi_model, TargetModel=target) == total
        assert _total(clients, multi_model, TargetModel=target) == total
    events = clients["logs"].filter_log_events(
        logGroupName=f"/aws/sagemaker/Endpoints/{multi_model}"
    )["events"]
    loads = [e["message"] for e in events if e["message"].startswith("loaded TargetModel")]
    # Each of the 2 servers loaded each model once, through POST /models.
    assert sorted(m.split(" as ")[0] for m in loads) == [
        "loaded TargetModel a.tar.gz",
        "loaded TargetModel a.tar.gz",
        "loaded TargetModel team/b.tar.gz",
        "loaded TargetModel team/b.tar.gz",
    ]
    served = [e["message"] for e in events if e["message"].startswith("loaded model ")]
    assert len(served) == 4  # what the containers logged


def test_a_restarted_model_server_loads_the_model_again(local, clients, multi_model):
    assert _total(clients, multi_model, TargetModel="a.tar.gz") == 1.0
    variant = local.api.endpoints[multi_model].first_variant()
    restarts = variant.instances[0].restarts
    local.kill_model_server(multi_model, 0)
    deadline = time.time() + 60
    while variant.instances[0].restarts == restarts and time.time() < deadline:
        time.sleep(0.05)
    for _ in range(4):
        assert _total(clients, multi_model, TargetModel="a.tar.gz") == 1.0


@pytest.mark.parametrize(
    "target, message",
    [
        ("none.tar.gz", "Failed to download model data(bucket: {bucket}, key: models/none.tar.gz)"),
        ("../a.tar.gz", "must be a path relative to the model's ModelDataUrl"),
    ],
)
def test_a_target_model_that_is_not_there_is_a_validation_error(
    clients, multi_model, archives, target, message
):
    with pytest.raises(ClientError) as raised:
        _total(clients, multi_model, TargetModel=target)
    assert raised.value.response["Error"]["Code"] == "ValidationError"
    assert message.format(bucket=archives) in raised.value.response["Error"]["Message"]


def test_target_model_goes_with_multi_model_endpoints_only(clients, multi_model, archives):
    with pytest.raises(ClientError, match="the request needs a TargetModel"):
        _total(clients, multi_model)
    single = {"Image": SUM_IMAGE, "ModelDataUrl": f"s3://{archives}/models/a.tar.gz"}
    endpoint = _endpoint(clients, [("Single", single, 1, 1.0)])
    try:
        with pytest.raises(ClientError, match="TargetModel is only for multi-model endpoints"):
            _total(clients, endpoint, TargetModel="a.tar.gz")
        assert _total(clients, endpoint) == 1.0
    finally:
        clients["sagemaker"].delete_endpoint(EndpointName=endpoint)


def test_the_invoked_variant_header_names_the_variant_that_answered(clients, archives):
    models = {"One": "models/a.tar.gz", "Two": "models/team/b.tar.gz"}
    expected_total = {"One": 1.0, "Two": 2.0}
    endpoint = _endpoint(
        clients,
        [
            (variant, {"Image": SUM_IMAGE, "ModelDataUrl": f"s3://{archives}/{key}"}, 1, 1.0)
            for variant, key in models.items()
        ],
    )
    runtime = clients["sagemaker-runtime"]
    try:
        seen = set()
        for _ in range(40):
            answer = runtime.invoke_endpoint(
                EndpointName=endpoint, Body=BODY, ContentType="application/jsonlines"
            )
            header = answer["ResponseMetadata"]["HTTPHeaders"]["x-amzn-invoked-production-variant"]
            assert answer["InvokedProductionVariant"] == header
            assert json.loads(answer["Body"].read())["total"] == expected_total[header]
            seen.add(header)
        assert seen == {"One", "Two"}
        for variant, total in expected_total.items():
            answer = runtime.invoke_endpoint(
                EndpointName=endpoint,
                Body=BODY,
                ContentType="application/jsonlines",
                TargetVariant=variant,
            )
            assert answer["InvokedProductionVariant"] == variant
            assert json.loads(answer["Body"].read())["total"] == total
    finally:
        clients["sagemaker"].delete_endpoint(EndpointName=endpoint)


@pytest.mark.parametrize("field", ["InferenceComponentName", "TargetContainerHostname"])
def test_fields_for_what_the_backend_lacks_are_refused(clients, multi_model, field):
    with pytest.raises(ClientError, match=f"{field} is not supported: endpoint"):
        _total(clients, multi_model, TargetModel="a.tar.gz", **{field: "anything"})
