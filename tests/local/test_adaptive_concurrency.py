"""maxConcurrency="auto" against the local backend: endpoints of 1 and 4 instances under the
capacity model (each instance serves one request at a time, 80 ms each, the rest queue), and
under injected throttling. Assertions are on the limit's decisions (its path), with margins
wide enough for a loaded machine, and on every row coming back once, in order; never on
wall-clock time. The controller's rule itself is pinned down deterministically in
tests/core/test_adaptive_concurrency.py."""

from __future__ import annotations

import pyarrow as pa
import pytest
from local_helpers import ECHO_IMAGE, FAST, ROLE, unique
from pyspark.ml.linalg import Vectors

from smspark_core import EndpointCreationPolicy, SageMakerModel
from smspark_core.executor.concurrency import BETA
from smspark_core.executor.invoke import EndpointInvoker, InvokeSettings
from smspark_core.transformation.deserializers import XGBoostCSVRowDeserializer
from smspark_core.transformation.serializers import (
    SerializedBatch,
    UnlabeledCSVRequestRowSerializer,
)

SERVICE_MS = 80
REQUESTS = 80


def _echo_endpoint(clients, instances: int) -> str:
    """An endpoint whose model servers answer each request with its body."""
    sagemaker = clients["sagemaker"]
    name = unique("auto")
    sagemaker.create_model(
        ModelName=name, PrimaryContainer={"Image": ECHO_IMAGE}, ExecutionRoleArn=ROLE
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[
            {
                "VariantName": "AllRequests",
                "ModelName": name,
                "InitialInstanceCount": instances,
                "InstanceType": "ml.m5.large",
            }
        ],
    )
    sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=name)
    sagemaker.get_waiter("endpoint_in_service").wait(EndpointName=name, WaiterConfig=FAST)
    return name


@pytest.fixture(scope="module")
def endpoints(clients):
    return {n: _echo_endpoint(clients, n) for n in (1, 4)}


def _batches(count):
    return [pa.RecordBatch.from_arrays([pa.array([float(i)])], ["x"]) for i in range(count)]


def _serialize(batch, row_offset):
    return SerializedBatch.from_rows([f"{batch.column(0)[0].as_py()}\n".encode()])


def _run(local, endpoint, transform_id):
    settings = InvokeSettings(
        endpoint,
        "text/csv",
        "text/csv",
        max_rows_per_request=1,
        max_concurrency="auto",
        base_backoff=0.01,
        transform_id=transform_id,
    )
    invoker = EndpointInvoker(settings, local.client_spec)
    results = list(
        invoker.predict_batches(_batches(REQUESTS), _serialize, XGBoostCSVRowDeserializer())
    )
    assert [r.batch.column(0)[0].as_py() for _, r in results] == [float(i) for i in range(REQUESTS)]
    return invoker.limit_path()


@pytest.mark.parametrize("instances", [1, 4])
def test_the_limit_follows_the_endpoints_capacity(local, endpoints, instances):
    """One instance serving one request at a time: the limit stays a few requests past 1
    (far under the cap of 10). Four: it grows to keep them busy."""
    endpoint = endpoints[instances]
    local.set_faults(endpoint, instance_capacity=1, latency_ms=SERVICE_MS)
    try:
        stats = _run(local, endpoint, unique("t"))
    finally:
        local.clear_faults(endpoint)
    print(
        f"{instances} instance(s): final {stats.limit_final}, peak {stats.limit_peak}, "
        f"low {stats.limit_low}, peak in flight {stats.peak_in_flight}"
    )
    assert stats.throttle_cuts == 0 and stats.requests == REQUESTS
    if instances == 1:
        assert stats.limit_final <= 1 + BETA + 1
        assert stats.limit_peak < 10
    else:
        assert stats.limit_peak >= instances
        assert stats.peak_in_flight >= instances


def test_throttling_cuts_the_limit_and_every_row_still_comes_back(local, endpoints):
    endpoint = endpoints[4]
    local.set_faults(endpoint, throttle_rate=0.2, seed=5)
    try:
        stats = _run(local, endpoint, unique("t"))
    finally:
        local.clear_faults(endpoint)
    print(f"throttled: {stats.limit_final} final, {stats.limit_peak} peak", stats.throttle_cuts)
    assert stats.retries["throttling"] >= stats.throttle_cuts >= 1
    assert stats.limit_low < stats.limit_peak


def test_auto_through_the_model_is_reported_and_saved(spark, local, endpoints, tmp_path):
    """maxConcurrency="auto" on a SageMakerModel: transformStats reports the limit's path,
    and the setting survives save and load."""
    df = spark.createDataFrame(
        [(i, Vectors.dense([float(i)])) for i in range(400)], ["id", "features"]
    ).repartition(2)
    model = SageMakerModel(
        requestRowSerializer=UnlabeledCSVRequestRowSerializer(),
        responseRowDeserializer=XGBoostCSVRowDeserializer(),
        existingEndpointName=endpoints[4],
        endpointCreationPolicy=EndpointCreationPolicy.DO_NOT_CREATE,
        clientSpec=local.client_spec,
        maxConcurrency="auto",
        maxRowsPerRequest=10,
    )
    rows = model.transform(df).collect()
    assert sorted((r.id, r.prediction) for r in rows) == [(i, float(i)) for i in range(400)]
    concurrency = model.transformStats["concurrency"]
    assert concurrency["peak"] >= concurrency["final"] >= concurrency["low"] >= 1
    assert concurrency["throttle_cuts"] == 0
    model.write().overwrite().save(str(tmp_path / "model"))
    assert SageMakerModel.load(str(tmp_path / "model")).getMaxConcurrency() == "auto"
    fixed = model.copy().setMaxConcurrency(3)
    fixed.transform(df).count()
    assert fixed.transformStats["concurrency"] == {
        "final": 3.0,
        "peak": 3,
        "low": 3,
        "throttle_cuts": 0,
    }
