"""Several production variants, UpdateEndpoint and UpdateEndpointWeightsAndCapacities on the
local backend: traffic split by weight (seeded), TargetVariant honoured, the answering
variant named; an update switches to the new servers without failing a request, and stops
the old ones after."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from botocore.exceptions import ClientError
from local_helpers import ECHO_IMAGE, FAST, ROLE, unique
from shapes import ShapeRecorder


def _variant(model, name, weight=1.0, count=1):
    return {
        "VariantName": name,
        "ModelName": model,
        "InitialInstanceCount": count,
        "InstanceType": "ml.m5.large",
        "InitialVariantWeight": weight,
    }


def _config(sagemaker, variants, image=ECHO_IMAGE):
    name = unique("cfg")
    sagemaker.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": image})
    sagemaker.create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[_variant(name, *v) for v in variants],
    )
    return name


def _split(runtime, endpoint, requests=200, **fields):
    return Counter(
        runtime.invoke_endpoint(EndpointName=endpoint, Body=b"x", **fields)[
            "InvokedProductionVariant"
        ]
        for _ in range(requests)
    )


@pytest.fixture
def two_variants(clients):
    sagemaker = clients["sagemaker"]
    config = _config(sagemaker, [("Blue", 3.0), ("Green", 1.0)])
    endpoint = unique("ep")
    sagemaker.create_endpoint(EndpointName=endpoint, EndpointConfigName=config)
    sagemaker.get_waiter("endpoint_in_service").wait(EndpointName=endpoint, WaiterConfig=FAST)
    yield endpoint
    sagemaker.delete_endpoint(EndpointName=endpoint)


def test_traffic_is_split_by_weight_and_target_variant_is_honoured(clients, two_variants):
    runtime = clients["sagemaker-runtime"]
    split = _split(runtime, two_variants)
    # 200 draws at 3:1 (seeded, so the same every run): far from even, near 150/50.
    assert set(split) == {"Blue", "Green"} and 120 <= split["Blue"] <= 180
    assert _split(runtime, two_variants, 20, TargetVariant="Green") == {"Green": 20}
    variants = clients["sagemaker"].describe_endpoint(EndpointName=two_variants)[
        "ProductionVariants"
    ]
    assert [(v["VariantName"], v["CurrentWeight"]) for v in variants] == [
        ("Blue", 3.0),
        ("Green", 1.0),
    ]


def test_weights_and_capacities_change_in_place(local, clients, two_variants):
    sagemaker = clients["sagemaker"]
    recorder = ShapeRecorder(sagemaker)
    sagemaker.update_endpoint_weights_and_capacities(
        EndpointName=two_variants,
        DesiredWeightsAndCapacities=[
            {"VariantName": "Blue", "DesiredWeight": 0.0},
            {"VariantName": "Green", "DesiredInstanceCount": 2},
        ],
    )
    assert sagemaker.describe_endpoint(EndpointName=two_variants)["EndpointStatus"] == "Updating"
    sagemaker.get_waiter("endpoint_in_service").wait(EndpointName=two_variants, WaiterConfig=FAST)
    described = sagemaker.describe_endpoint(EndpointName=two_variants)
    green = described["ProductionVariants"][1]
    assert (green["CurrentInstanceCount"], green["DesiredInstanceCount"]) == (2, 2)
    assert described["ProductionVariants"][0]["CurrentWeight"] == 0.0
    assert _split(clients["sagemaker-runtime"], two_variants, 20) == {"Green": 20}
    assert len(local.api.endpoints[two_variants].variants["Green"].instances) == 2
    with pytest.raises(ClientError, match="not present"):
        sagemaker.update_endpoint_weights_and_capacities(
            EndpointName=two_variants,
            DesiredWeightsAndCapacities=[{"VariantName": "Red", "DesiredWeight": 1.0}],
        )
    assert recorder.failures == []


def test_update_endpoint_switches_without_failing_a_request(local, clients, two_variants):
    sagemaker, runtime = clients["sagemaker"], clients["sagemaker-runtime"]
    recorder = ShapeRecorder(sagemaker)
    old = local.api.endpoints[two_variants]
    old_processes = [i.process for v in old.variants.values() for i in v.instances]
    new_config = _config(sagemaker, [("Canary", 1.0)])
    answered: list[str] = []
    failures: list[Exception] = []
    done = threading.Event()

    def traffic() -> None:
        while not done.is_set():
            try:
                answer = runtime.invoke_endpoint(EndpointName=two_variants, Body=b"x")
                answered.append(answer["InvokedProductionVariant"])
            except Exception as error:  # any failed request fails the test
                failures.append(error)
            time.sleep(0.01)

    sender = threading.Thread(target=traffic)
    sender.start()
    try:
        sagemaker.update_endpoint(EndpointName=two_variants, EndpointConfigName=new_config)
        assert sagemaker.describe_endpoint(EndpointName=two_variants)["EndpointStatus"] in (
            "Updating",
            "InService",
        )
        with pytest.raises(ClientError, match="Cannot update in-progress endpoint"):
            sagemaker.update_endpoint(EndpointName=two_variants, EndpointConfigName=new_config)
        sagemaker.get_waiter("endpoint_in_service").wait(
            EndpointName=two_variants, WaiterConfig=FAST
        )
        while "Canary" not in answered[-3:]:
            time.sleep(0.05)
    finally:
        done.set()
        sender.join()
    assert failures == []
    assert answered[0] in ("Blue", "Green") and answered[-1] == "Canary"
    described = sagemaker.describe_endpoint(EndpointName=two_variants)
    assert described["EndpointConfigName"] == new_config
    assert [v["VariantName"] for v in described["ProductionVariants"]] == ["Canary"]
    assert all(process.poll() is not None for process in old_processes)  # old servers stopped
    assert recorder.failures == []
    assert {"UpdateEndpoint"} <= set(recorder.checked)


def test_a_failed_update_keeps_the_old_configuration(clients, two_variants):
    sagemaker = clients["sagemaker"]
    broken = _config(sagemaker, [("Broken", 1.0)], image="1.dkr.ecr.x/nobody:1")
    sagemaker.update_endpoint(EndpointName=two_variants, EndpointConfigName=broken)
    deadline = time.time() + 60
    while sagemaker.describe_endpoint(EndpointName=two_variants)["EndpointStatus"] == "Updating":
        assert time.time() < deadline
        time.sleep(0.1)
    described = sagemaker.describe_endpoint(EndpointName=two_variants)
    assert described["EndpointStatus"] == "InService"
    assert "no local image for '1.dkr.ecr.x/nobody:1'" in described["FailureReason"]
    assert [v["VariantName"] for v in described["ProductionVariants"]] == ["Blue", "Green"]
    answer = clients["sagemaker-runtime"].invoke_endpoint(EndpointName=two_variants, Body=b"x")
    assert answer["InvokedProductionVariant"] in ("Blue", "Green")


def test_retained_variant_properties(clients, two_variants):
    sagemaker = clients["sagemaker"]
    sagemaker.update_endpoint_weights_and_capacities(
        EndpointName=two_variants,
        DesiredWeightsAndCapacities=[{"VariantName": "Blue", "DesiredWeight": 5.0}],
    )
    sagemaker.get_waiter("endpoint_in_service").wait(EndpointName=two_variants, WaiterConfig=FAST)
    same_names = _config(sagemaker, [("Blue", 1.0), ("Green", 1.0)])
    sagemaker.update_endpoint(
        EndpointName=two_variants,
        EndpointConfigName=same_names,
        RetainAllVariantProperties=True,
    )
    sagemaker.get_waiter("endpoint_in_service").wait(EndpointName=two_variants, WaiterConfig=FAST)
    variants = sagemaker.describe_endpoint(EndpointName=two_variants)["ProductionVariants"]
    assert [v["CurrentWeight"] for v in variants] == [5.0, 1.0]
    with pytest.raises(ClientError, match="DeploymentConfig is not supported"):
        sagemaker.update_endpoint(
            EndpointName=two_variants,
            EndpointConfigName=same_names,
            DeploymentConfig={
                "BlueGreenUpdatePolicy": {
                    "TrafficRoutingConfiguration": {
                        "Type": "ALL_AT_ONCE",
                        "WaitIntervalInSeconds": 0,
                    }
                }
            },
        )
