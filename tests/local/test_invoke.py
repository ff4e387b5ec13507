"""The executor-side invoke engine against a local endpoint: request cutting, concurrency,
retries under injected faults, order and count of predictions, error modes."""

from __future__ import annotations

import threading

import numpy as np
import pyarrow as pa
import pytest
from local_helpers import host, start_job, wait_job
from pyspark.ml.linalg import Vectors

from smspark_core.executor.invoke import (
    EndpointInvoker,
    InvocationFailed,
    InvokeSettings,
    plan_requests,
)
from smspark_core.transformation import arrow_vectors as av
from smspark_core.transformation.deserializers import XGBoostCSVRowDeserializer
from smspark_core.transformation.serializers import (
    SerializedBatch,
    UnlabeledCSVRequestRowSerializer,
)


def test_plan_cuts_under_the_byte_and_row_limits():
    offsets = np.concatenate([[0], np.cumsum([10, 10, 10, 25, 5, 40])])
    assert plan_requests(offsets, 40) == [(0, 3), (3, 5), (5, 6)]
    assert plan_requests(offsets, 100, max_rows=2) == [(0, 2), (2, 4), (4, 6)]
    assert plan_requests(np.array([0]), 10) == []
    with pytest.raises(InvocationFailed, match="row 105 serializes to 40 bytes, more than the 39"):
        plan_requests(offsets, 39, row_offset=100)


def test_settings_are_validated():
    with pytest.raises(ValueError, match="max_request_bytes must be within"):
        InvokeSettings("e", "text/csv", "text/csv", max_request_bytes=7 * 1024 * 1024)
    with pytest.raises(ValueError, match="error_mode"):
        InvokeSettings("e", "text/csv", "text/csv", error_mode="ignore")
    with pytest.raises(ValueError, match="retry deadline must be > 0 seconds, got 0"):
        InvokeSettings("e", "text/csv", "text/csv", deadline_seconds=0)


@pytest.fixture(scope="module")
def endpoint(clients, training_data):
    job = wait_job(clients, start_job(clients, training_data))
    return host(clients, job["ModelArtifacts"]["S3ModelArtifacts"], instances=2)


@pytest.fixture(scope="module")
def rows():
    """2,000 rows of 3 features and their expected predictions: the model's weights are the
    training means [2, 2, 2]."""
    features = np.random.default_rng(3).integers(-50, 50, size=(2000, 3)).astype(float)
    column = pa.array(
        [av.vector_to_arrow_value(Vectors.dense(r)) for r in features], av.VECTOR_ARROW_TYPE
    )
    batch = pa.RecordBatch.from_arrays([column], ["features"])
    return UnlabeledCSVRequestRowSerializer().serialize_batch(batch), 2 * features.sum(axis=1)


def _invoker(local, endpoint, **settings):
    defaults = {"max_request_bytes": 2000, "max_concurrency": 4, "base_backoff": 0.001}
    return EndpointInvoker(
        InvokeSettings(endpoint, "text/csv", "text/csv", **{**defaults, **settings}),
        local.client_spec,
    )


def _predict(invoker, serialized, deserializer):
    """Every row of ``serialized`` as one input batch, through the engine's entry point."""
    batch = pa.RecordBatch.from_arrays([pa.array(range(len(serialized)))], ["row"])
    [(_, predictions)] = invoker.predict_batches([batch], lambda *_: serialized, deserializer)
    return predictions


def test_every_row_predicted_once_in_order(local, endpoint, rows):
    serialized, expected = rows
    invoker = _invoker(local, endpoint)
    result = _predict(invoker, serialized, XGBoostCSVRowDeserializer())
    np.testing.assert_array_equal(result.batch.column("prediction").to_numpy(), expected)
    assert invoker.stats.requests == len(plan_requests(serialized.offsets, 2000)) > 10
    assert result.errors == [None] * 2000


def test_throttling_and_5xx_are_retried_with_no_row_lost(local, endpoint, rows):
    serialized, expected = rows
    local.set_faults(endpoint, throttle_rate=0.3, error_rate=0.1, seed=11)
    try:
        invoker = _invoker(local, endpoint)
        result = _predict(invoker, serialized, XGBoostCSVRowDeserializer())
    finally:
        local.clear_faults(endpoint)
    np.testing.assert_array_equal(result.batch.column("prediction").to_numpy(), expected)
    stats = invoker.stats
    print(f"requests {stats.requests}, attempts {stats.attempts}, retries {stats.retries}")
    assert stats.retries["throttling"] > 0 and stats.retries["server_error"] > 0
    assert stats.attempts == stats.requests + sum(stats.retries.values())
    assert stats.failed == 0


def test_retries_are_bounded_by_the_deadline_not_by_a_count(local, endpoint, rows):
    """40 consecutive 503s (far more than the old 8-attempt budget) are ridden out."""
    serialized, expected = rows
    local.set_faults(endpoint, fail_next=40)
    try:
        invoker = _invoker(local, endpoint, max_concurrency=1, max_backoff=0.01)
        result = _predict(invoker, serialized, XGBoostCSVRowDeserializer())
    finally:
        local.clear_faults(endpoint)
    np.testing.assert_array_equal(result.batch.column("prediction").to_numpy(), expected)
    assert invoker.stats.retries == {"server_error": 40}


def test_each_cause_backs_off_on_its_own():
    """A run of throttling does not push the backoff of the next 5xx to its ceiling."""
    from botocore.exceptions import ClientError

    def failure(code, status):
        return ClientError(
            {"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Invoke"
        )

    class Scripted:
        def __init__(self, errors):
            self.errors = list(errors)

        def invoke_endpoint(self, **_):
            import io

            if self.errors:
                raise self.errors.pop(0)
            return {"Body": io.BytesIO(b"1\n")}

    ceilings = []

    class Recording:
        def uniform(self, low, high):
            ceilings.append(high)
            return 0.0

    from smspark_core.aws import ClientSpec

    settings = InvokeSettings("e", "text/csv", "text/csv", base_backoff=1.0, max_backoff=100.0)
    invoker = EndpointInvoker(settings, ClientSpec(region="us-east-1"), sleep=lambda s: None)
    invoker.rng = Recording()
    invoker.client = Scripted([failure("ThrottlingException", 400)] * 5 + [failure("", 503)])
    assert invoker._call(b"x") == b"1\n"
    assert ceilings == [1.0, 2.0, 4.0, 8.0, 16.0, 1.0]
    assert invoker.stats.retries == {"throttling": 5, "server_error": 1}


def test_a_model_server_killed_mid_run(local, endpoint, rows):
    serialized, expected = rows
    local.set_faults(endpoint, latency_ms=5)
    invoker = _invoker(local, endpoint, max_request_bytes=500)
    killer = threading.Timer(0.3, local.kill_model_server, args=(endpoint, 0))
    killer.start()
    try:
        result = _predict(invoker, serialized, XGBoostCSVRowDeserializer())
    finally:
        killer.join()
        local.clear_faults(endpoint)
    np.testing.assert_array_equal(result.batch.column("prediction").to_numpy(), expected)


def test_model_errors_are_not_retried_unless_asked(local, endpoint):
    column = pa.array([av.vector_to_arrow_value(Vectors.dense([1.0]))], av.VECTOR_ARROW_TYPE)
    batch = pa.RecordBatch.from_arrays([column], ["features"])
    serialized = UnlabeledCSVRequestRowSerializer().serialize_batch(batch)
    invoker = _invoker(local, endpoint)
    with pytest.raises(InvocationFailed, match="ModelError \\(not retryable\\).*expects 3"):
        _predict(invoker, serialized, XGBoostCSVRowDeserializer())
    assert invoker.stats.retries == {} and invoker.stats.failed == 1
    retrying = _invoker(local, endpoint, retry_model_errors=True, deadline_seconds=0.3)
    with pytest.raises(InvocationFailed, match="retry deadline of 0.3 s reached after"):
        _predict(retrying, serialized, XGBoostCSVRowDeserializer())
    assert retrying.stats.retries["model_error"] >= 1
    assert retrying.stats.attempts == retrying.stats.retries["model_error"] + 1


def test_a_wrong_prediction_count_is_an_error_naming_the_counts(local, endpoint, rows):
    class DropsOne(XGBoostCSVRowDeserializer):
        def deserialize_batch(self, body):
            return super().deserialize_batch(body).slice(1)

    serialized, _ = rows
    with pytest.raises(
        InvocationFailed,
        match=f"endpoint {endpoint} answered \\d+ predictions for a request of \\d+ rows",
    ):
        _predict(_invoker(local, endpoint), serialized, DropsOne())


def test_column_error_mode_keeps_going_with_null_predictions(local, endpoint, rows):
    serialized, expected = rows
    local.set_faults(endpoint, fail_next=3)
    try:
        invoker = _invoker(
            local, endpoint, deadline_seconds=0.001, error_mode="column", max_concurrency=1
        )
        result = _predict(invoker, serialized, XGBoostCSVRowDeserializer())
    finally:
        local.clear_faults(endpoint)
    predictions = result.batch.column("prediction")
    failed = [i for i, e in enumerate(result.errors) if e]
    assert failed and len(failed) == predictions.null_count
    assert all("ServiceUnavailable" in result.errors[i] for i in failed), {
        result.errors[i] for i in failed
    }
    good = np.array([e is None for e in result.errors])
    np.testing.assert_array_equal(predictions.to_numpy(zero_copy_only=False)[good], expected[good])
    assert result.batch.num_rows == 2000
    assert invoker.stats.failed >= 1


class _CountingClient:
    """Stands in for sagemaker-runtime: echoes the CSV body after a pause, and records the
    most requests it saw in flight at once."""

    def __init__(self, fail_on: bytes | None = None) -> None:
        self.lock = threading.Lock()
        self.in_flight = self.peak = 0
        self.fail_on = fail_on

    def invoke_endpoint(self, Body, **_):  # noqa: N803 - boto3's names
        import io
        import time

        from botocore.exceptions import ClientError

        with self.lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            time.sleep(0.05)
            if Body == self.fail_on:
                error = {"Error": {"Code": "ModelError", "Message": "bad row"}}
                raise ClientError(error, "InvokeEndpoint")
            return {"Body": io.BytesIO(Body)}
        finally:
            with self.lock:
                self.in_flight -= 1


def _one_row_batches(count):
    return [pa.RecordBatch.from_arrays([pa.array([float(i)])], ["x"]) for i in range(count)]


def _serialize(batch, row_offset):
    return SerializedBatch.from_rows([f"{batch.column(0)[0].as_py()}\n".encode()])


def test_requests_of_consecutive_batches_overlap_and_stay_in_order(local):
    """One request per Arrow batch (a row limit of one) still runs max_concurrency at a
    time, and every batch comes back with its own prediction, in order."""
    settings = InvokeSettings("e", "text/csv", "text/csv", max_rows_per_request=1)
    invoker = EndpointInvoker(settings, local.client_spec)
    invoker.client = fake = _CountingClient()
    batches = _one_row_batches(12)
    results = list(invoker.predict_batches(batches, _serialize, XGBoostCSVRowDeserializer()))
    assert [batch.column(0)[0].as_py() for batch, _ in results] == list(range(12))
    assert [r.batch.column(0)[0].as_py() for _, r in results] == [float(i) for i in range(12)]
    assert fake.peak > 1 and fake.peak <= 4
    assert invoker.stats.requests == 12


def test_a_failed_request_stops_the_stream(local):
    settings = InvokeSettings("e", "text/csv", "text/csv", max_rows_per_request=1)
    invoker = EndpointInvoker(settings, local.client_spec)
    invoker.client = _CountingClient(fail_on=b"5.0\n")
    stream = invoker.predict_batches(_one_row_batches(40), _serialize, XGBoostCSVRowDeserializer())
    with pytest.raises(InvocationFailed, match="ModelError"):
        list(stream)
    assert invoker.stats.requests < 40  # the requests not yet started were cancelled


class _RecordingClient(_CountingClient):
    """Also keeps every request body, in arrival order."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.bodies = []

    def invoke_endpoint(self, **kwargs):
        with self.lock:
            self.bodies.append(kwargs["Body"])
        return super().invoke_endpoint(**kwargs)


def test_small_batches_are_packed_into_full_requests(local):
    """40 one-row batches of 4 or 5 bytes under a 20-byte limit: requests are filled across
    batch boundaries (never over the limit), and each batch still gets its own prediction,
    in order, exactly once."""
    settings = InvokeSettings("e", "text/csv", "text/csv", max_request_bytes=20)
    invoker = EndpointInvoker(settings, local.client_spec)
    invoker.client = fake = _RecordingClient()
    results = list(
        invoker.predict_batches(_one_row_batches(40), _serialize, XGBoostCSVRowDeserializer())
    )
    assert [batch.column(0)[0].as_py() for batch, _ in results] == [float(i) for i in range(40)]
    assert [r.batch.column(0)[0].as_py() for _, r in results] == [float(i) for i in range(40)]
    assert all(r.batch.num_rows == 1 and r.errors == [None] for _, r in results)
    sizes = [len(body) for body in fake.bodies]
    assert max(sizes) <= 20 and sum(sizes) == sum(len(f"{float(i)}\n") for i in range(40))
    assert len(sizes) < 40 / 3  # four rows a request at least, not one per batch
    assert invoker.stats.rows_sent == 40 and invoker.stats.bytes_sent == sum(sizes)


def test_packing_keeps_the_row_limit_and_splits_errors_per_batch(local):
    """A failed packed request marks exactly its own rows, batch by batch, in column mode."""
    settings = InvokeSettings(
        "e", "text/csv", "text/csv", max_rows_per_request=3, error_mode="column"
    )
    invoker = EndpointInvoker(settings, local.client_spec)
    invoker.client = fake = _RecordingClient(fail_on=b"3.0\n4.0\n5.0\n")
    results = list(
        invoker.predict_batches(_one_row_batches(9), _serialize, XGBoostCSVRowDeserializer())
    )
    assert [body.count(b"\n") for body in sorted(fake.bodies)] == [3, 3, 3]
    failed = [i for i, (_, r) in enumerate(results) if r.errors != [None]]
    assert failed == [3, 4, 5]
    assert all(results[i][1].batch.column(0)[0].as_py() is None for i in failed)
    assert [results[i][1].batch.column(0)[0].as_py() for i in (0, 8)] == [0.0, 8.0]


def test_the_first_requests_ramp_up_to_the_byte_limit(local):
    """The first request leaves with the first batch rather than after a full limit's worth
    of them; the following ones double in size until they are full (each batch is 8 bytes
    here, the limit 64: requests of 1, 2, 4 and then 8 batches)."""
    settings = InvokeSettings("e", "text/csv", "text/csv", max_request_bytes=64)
    invoker = EndpointInvoker(settings, local.client_spec)
    invoker.client = fake = _RecordingClient()
    batches = [pa.RecordBatch.from_arrays([pa.array([10000.0 + i])], ["x"]) for i in range(39)]
    results = list(invoker.predict_batches(batches, _serialize, XGBoostCSVRowDeserializer()))
    assert [r.batch.column(0)[0].as_py() for _, r in results] == [10000.0 + i for i in range(39)]
    in_order = sorted(fake.bodies, key=lambda body: float(body.split(b"\n")[0]))
    assert [body.count(b"\n") for body in in_order] == [1, 2, 4, 8, 8, 8, 8]
