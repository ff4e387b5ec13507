"""The executor-side engine of ``transform()``: serialized rows in, predictions out.

For a partition's Arrow batches it packs the serialized rows into request bodies filled up
to a byte limit (and an optional row limit) across batch boundaries, so that small rows make
full requests rather than one small request per Arrow batch, keeps up to ``max_concurrency``
InvokeEndpoint calls in flight (across consecutive requests; with ``"auto"``, as many as
``smspark_core.executor.concurrency`` finds the endpoint can take),
retries throttling, 5xx and connection errors with exponential backoff and full jitter
until a per-request deadline (no attempt limit: a model server restart or a throttling storm
is ridden out, not counted out), and reassembles the predictions in input order. Exactly one
prediction row per input row: a response with another count is an error naming the endpoint
and the counts, never a silent shift.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
from botocore.exceptions import ClientError, ReadTimeoutError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from smspark_core.aws import ClientSpec
from smspark_core.executor.concurrency import AdaptiveLimit, auto_cap, controller_for
from smspark_core.foundation.errors import SmsparkError
from smspark_core.transformation.deserializers import ResponseRowDeserializer
from smspark_core.transformation.serializers import MAX_REQUEST_BYTES, SerializedBatch

DEFAULT_REQUEST_BYTES = 5 * 1024 * 1024  # as the original, under the service's 6 MiB
# Long enough for a model server to be replaced and for a 30 s throttling storm, with room
# to spare: a request fails for good only after this long without an answer.
DEFAULT_RETRY_DEADLINE_S = 300.0
AUTO = "auto"  # max_concurrency that adapts (smspark_core.executor.concurrency)
RAMP_START = 1 / 8  # the first packed group's share of the byte limit (``_packed``)
THROTTLING_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
    }
)
SERVER_ERROR_CODES = frozenset(
    {
        "ServiceUnavailable",
        "InternalFailure",
        "InternalDependencyException",
        "ModelNotReadyException",
    }
)
# Why a request was retried (transformStats counts retries by these causes).
RETRY_CAUSES = ("throttling", "server_error", "connection", "model_error")


class InvocationFailed(SmsparkError):
    """A request that failed for good (or answered with the wrong number of predictions)."""


@dataclass(frozen=True)
class InvokeSettings:
    """How one endpoint is called. A retry waits ``uniform(0, min(max_backoff, base_backoff
    * 2**n))`` seconds (full jitter), where ``n`` counts the earlier retries *of the same
    cause*: a throttling storm does not push the backoff of a 5xx to its ceiling, nor the
    reverse. Retries go on until ``deadline_seconds`` after the request's first attempt, the
    only bound on attempts. ``max_concurrency`` is a number of requests in flight, or
    ``"auto"``: a limit that adapts, shared by the tasks of one transform (``transform_id``)
    in a Python worker."""

    endpoint_name: str
    content_type: str
    accept: str
    max_request_bytes: int = DEFAULT_REQUEST_BYTES
    max_rows_per_request: int | None = None
    max_concurrency: int | str = AUTO
    base_backoff: float = 0.05
    max_backoff: float = 5.0
    deadline_seconds: float = DEFAULT_RETRY_DEADLINE_S
    retry_model_errors: bool = False
    error_mode: str = "fail"
    # InvokeEndpoint's optional fields (TargetVariant, CustomAttributes, ...) as (name, value).
    request_fields: tuple[tuple[str, str], ...] = ()
    read_timeout: float | None = None  # seconds; botocore's default (60) when None
    transform_id: str = ""  # which transform() an adaptive limit belongs to

    def __post_init__(self) -> None:
        if self.error_mode not in ("fail", "column"):
            raise ValueError(f"error_mode must be 'fail' or 'column', got {self.error_mode!r}")
        if not 0 < self.max_request_bytes <= MAX_REQUEST_BYTES:
            raise ValueError(
                f"max_request_bytes must be within 1..{MAX_REQUEST_BYTES} (6 MiB, the "
                f"InvokeEndpoint limit), got {self.max_request_bytes}"
            )
        if self.max_rows_per_request is not None and self.max_rows_per_request < 1:
            raise ValueError(f"max_rows_per_request must be >= 1, got {self.max_rows_per_request}")
        if isinstance(self.max_concurrency, str):
            if self.max_concurrency != AUTO:
                raise ValueError(
                    f"max_concurrency must be a number or 'auto', got {self.max_concurrency!r}"
                )
        elif self.max_concurrency < 1:
            raise ValueError(f"max_concurrency must be >= 1, got {self.max_concurrency}")
        if not self.deadline_seconds > 0:
            raise ValueError(f"the retry deadline must be > 0 seconds, got {self.deadline_seconds}")

    @property
    def adaptive(self) -> bool:
        return self.max_concurrency == AUTO

    @property
    def most_in_flight(self) -> int:
        """The most requests in flight at once: the fixed number, or the adaptive cap."""
        if isinstance(self.max_concurrency, str):
            return auto_cap(self.max_request_bytes)
        return self.max_concurrency


def plan_requests(
    offsets: np.ndarray, max_bytes: int, max_rows: int | None = None, row_offset: int = 0
) -> list[tuple[int, int]]:
    """Cuts rows (``offsets`` as in SerializedBatch) into (start, stop) requests, each at most
    ``max_bytes`` and ``max_rows``; greedy and in order. A single row over the byte limit is
    an error naming its index and size."""
    sizes = np.diff(offsets)
    too_big = np.flatnonzero(sizes > max_bytes)
    if len(too_big):
        index = int(too_big[0])
        raise InvocationFailed(
            f"row {row_offset + index} serializes to {int(sizes[index])} bytes, more than the "
            f"{max_bytes}-byte request limit"
        )
    plan = []
    start, n = 0, len(sizes)
    while start < n:
        # The furthest stop whose bytes fit: a binary search on the cumulative offsets.
        stop = int(np.searchsorted(offsets, offsets[start] + max_bytes, side="right")) - 1
        stop = max(stop, start + 1)
        if max_rows is not None:
            stop = min(stop, start + max_rows)
        plan.append((start, min(stop, n)))
        start = min(stop, n)
    return plan


@dataclass
class InvokeStats:
    """What a partition did: requests answered, HTTP attempts made (every one, the first
    included), retries by cause (``RETRY_CAUSES``), requests that failed for good (their
    rows failed the task, or got the error column), the bytes and rows of the answered
    requests, the most requests it had outstanding at once, and the concurrency limit's path
    (where it ended, its highest and lowest, and the cuts throttling made to it; a fixed
    ``max_concurrency`` is its own path)."""

    requests: int = 0
    attempts: int = 0
    retries: dict[str, int] = field(default_factory=dict)
    failed: int = 0
    bytes_sent: int = 0
    rows_sent: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0
    limit_final: int = 0
    limit_peak: int = 0
    limit_low: int = 0
    throttle_cuts: int = 0


def classify(error: Exception) -> tuple[str, str | None]:
    """(code, cause) of an InvokeEndpoint failure; cause is one of ``RETRY_CAUSES``, or None
    when retrying cannot help (a bad request, a missing endpoint, a decoding error)."""
    if isinstance(error, BotocoreConnectionError | ReadTimeoutError):
        return type(error).__name__, "connection"
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code in THROTTLING_CODES or (status == 429 and code != "ModelNotReadyException"):
            return code or str(status), "throttling"
        if code == "ModelError":
            return code, "model_error"
        if code in SERVER_ERROR_CODES or status >= 500:
            return code or str(status), "server_error"
        return code or str(status), None
    return type(error).__name__, None


class EndpointInvoker:
    """Calls one endpoint for the batches of a partition (one per Python worker process)."""

    def __init__(
        self,
        settings: InvokeSettings,
        client_spec: ClientSpec,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        # smspark retries itself (by error code, with jitter and a deadline): botocore must not.
        self.client = client_spec.with_(max_attempts=1, read_timeout=settings.read_timeout).client(
            "sagemaker-runtime"
        )
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.stats = InvokeStats()
        self._stats_lock = threading.Lock()  # requests run on several threads
        self.limiter: AdaptiveLimit | None = None
        if settings.adaptive:
            self.limiter = controller_for(
                settings.endpoint_name, settings.transform_id, settings.most_in_flight
            )
            self._cuts_before = self.limiter.path.throttle_cuts

    def limit_path(self) -> InvokeStats:
        """``stats`` with the concurrency limit's path filled in (at the end of a partition)."""
        if self.limiter is None:
            fixed = self.settings.most_in_flight
            path = (fixed, fixed, fixed, 0)
        else:
            now = self.limiter.path
            path = (now.final, now.peak, now.low, now.throttle_cuts - self._cuts_before)
        stats = self.stats
        stats.limit_final, stats.limit_peak, stats.limit_low, stats.throttle_cuts = path
        return stats

    def _send(self, body: bytes) -> bytes:
        """One HTTP attempt; under an adaptive limit it waits for a place and reports what
        it saw (its latency, or throttling)."""
        settings = self.settings
        limiter = self.limiter
        epoch = limiter.acquire() if limiter is not None else 0
        try:
            started = time.monotonic()
            with self._outstanding():
                response = self.client.invoke_endpoint(
                    EndpointName=settings.endpoint_name,
                    Body=body,
                    ContentType=settings.content_type,
                    Accept=settings.accept,
                    **dict(settings.request_fields),
                )
                answer = response["Body"].read()
            if limiter is not None:
                limiter.on_success(time.monotonic() - started, len(body))
            return answer
        except Exception as error:
            if limiter is not None and classify(error)[1] == "throttling":
                limiter.on_throttle(epoch)
            raise
        finally:
            if limiter is not None:
                limiter.release()

    @contextmanager
    def _outstanding(self) -> Iterator[None]:
        """Counts one HTTP request in flight for as long as it lasts."""
        with self._stats_lock:
            self.stats.in_flight += 1
            self.stats.peak_in_flight = max(self.stats.peak_in_flight, self.stats.in_flight)
        try:
            yield
        finally:
            with self._stats_lock:
                self.stats.in_flight -= 1

    def _call(self, body: bytes) -> bytes:
        settings = self.settings
        first = time.monotonic()
        retried: dict[str, int] = {}  # retries so far by cause: each cause backs off alone
        while True:
            try:
                with self._stats_lock:
                    self.stats.attempts += 1
                answer = self._send(body)
                with self._stats_lock:
                    self.stats.requests += 1
                    self.stats.bytes_sent += len(body)
                return answer
            except Exception as error:
                code, cause = classify(error)
                if cause == "model_error" and not settings.retry_model_errors:
                    cause = None
                attempts = sum(retried.values()) + 1
                if cause is None:
                    raise InvocationFailed(
                        f"endpoint {settings.endpoint_name}: {code} (not retryable): {error}"
                    ) from error
                n = retried.get(cause, 0)
                delay = self.rng.uniform(0, min(settings.max_backoff, settings.base_backoff * 2**n))
                elapsed = time.monotonic() - first
                if elapsed + delay > settings.deadline_seconds:
                    raise InvocationFailed(
                        f"endpoint {settings.endpoint_name}: {code} (retry deadline of "
                        f"{settings.deadline_seconds:g} s reached after {attempts} attempts in "
                        f"{elapsed:.1f} s; raise retryDeadlineSeconds to wait longer): {error}"
                    ) from error
                retried[cause] = n + 1
                with self._stats_lock:
                    self.stats.retries[cause] = self.stats.retries.get(cause, 0) + 1
                self.sleep(delay)

    def _request(
        self,
        serialized: SerializedBatch,
        span: tuple[int, int],
        deserializer: ResponseRowDeserializer,
        schema: pa.Schema,
        row_offset: int,
    ) -> tuple[pa.RecordBatch, str | None]:
        """One request's predictions (or, with error_mode="column", nulls and the error)."""
        start, stop = span
        try:
            body = self._call(_body(serialized, start, stop))
            with self._stats_lock:
                self.stats.rows_sent += stop - start
            predictions = deserializer.deserialize_batch(body)
            if predictions.num_rows != stop - start:
                raise InvocationFailed(
                    f"endpoint {self.settings.endpoint_name} answered "
                    f"{predictions.num_rows} predictions for a request of {stop - start} "
                    f"rows (rows {row_offset + start}..{row_offset + stop - 1})"
                )
            return predictions, None
        except Exception as error:
            with self._stats_lock:
                self.stats.failed += 1
            if self.settings.error_mode == "fail":
                raise
            nulls = [pa.nulls(stop - start, type=f.type) for f in schema]
            return pa.RecordBatch.from_arrays(nulls, schema=schema), str(error)

    def _submit(
        self,
        pool: ThreadPoolExecutor,
        serialized: SerializedBatch,
        deserializer: ResponseRowDeserializer,
        schema: pa.Schema,
        row_offset: int,
    ) -> list[tuple[tuple[int, int], Future]]:
        plan = plan_requests(
            serialized.offsets,
            self.settings.max_request_bytes,
            self.settings.max_rows_per_request,
            row_offset,
        )
        return [
            (span, pool.submit(self._request, serialized, span, deserializer, schema, row_offset))
            for span in plan
        ]

    @staticmethod
    def _collect(requests: list[tuple[tuple[int, int], Future]], schema: pa.Schema) -> Predictions:
        results = [future.result() for _, future in requests]  # in request order
        if not results:
            return Predictions(pa.RecordBatch.from_pylist([], schema=schema), [])
        table = pa.Table.from_batches([batch.cast(schema) for batch, _ in results], schema)
        errors: list[str | None] = [None] * table.num_rows
        if any(message is not None for _, message in results):
            errors = [
                message for ((start, stop), _), (_, message) in zip(requests, results)
                for _ in range(stop - start)
            ]  # fmt: skip
        return Predictions(table.combine_chunks().to_batches()[0], errors)

    def predict_batches(
        self,
        batches: Iterable[pa.RecordBatch],
        serialize: Callable[[pa.RecordBatch, int], SerializedBatch],
        deserializer: ResponseRowDeserializer,
    ) -> Iterator[tuple[pa.RecordBatch, Predictions]]:
        """Each input batch with its predictions, in order. Consecutive batches are packed
        into requests up to the byte and row limits (``_packed``); the requests of
        consecutive groups overlap: the next group is serialized and sent while earlier
        requests are in flight (``max_concurrency`` at a time), holding at most
        ``max_concurrency + 1`` groups (with "auto", the current limit + 1). A failure
        cancels the requests not yet started."""
        schema = _arrow_schema(deserializer)
        pending: deque[tuple[list[pa.RecordBatch], list[tuple[tuple[int, int], Future]]]]
        pending = deque()
        pool = ThreadPoolExecutor(max_workers=self.settings.most_in_flight)
        try:
            for group, serialized, row_offset in self._packed(batches, serialize):
                requests = self._submit(pool, serialized, deserializer, schema, row_offset)
                pending.append((group, requests))
                while len(pending) > self._read_ahead():
                    yield from _per_batch(*pending.popleft(), self._collect, schema)
            while pending:
                yield from _per_batch(*pending.popleft(), self._collect, schema)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _read_ahead(self) -> int:
        """How many packed groups may wait for their predictions beyond the one being
        collected: the requests allowed in flight now."""
        return self.limiter.limit if self.limiter is not None else self.settings.most_in_flight

    def _packed(
        self,
        batches: Iterable[pa.RecordBatch],
        serialize: Callable[[pa.RecordBatch, int], SerializedBatch],
    ) -> Iterator[tuple[list[pa.RecordBatch], SerializedBatch, int]]:
        """Groups of consecutive batches whose serialized rows fit one request together
        (a batch larger than a request is a group alone, cut by ``plan_requests``), with the
        group's rows back to back and the partition row index of its first row. A group is
        sent as soon as it is full, so that requests leave while later batches arrive.

        The first groups ramp up (``RAMP_START`` of the byte limit, doubling group by group
        to the full limit): the first request leaves with the first batch instead of waiting
        for a full 5 MiB of them, so a small partition's requests overlap its reading and
        each other rather than going out at its end in one or two large requests."""
        max_bytes = self.settings.max_request_bytes
        target = max(1, int(max_bytes * RAMP_START))
        max_rows = self.settings.max_rows_per_request
        group: list[pa.RecordBatch] = []
        parts: list[SerializedBatch] = []
        size = count = rows = first_row = 0
        for batch in batches:
            serialized = serialize(batch, rows)
            nbytes = int(serialized.offsets[-1] - serialized.offsets[0])
            fits = size + nbytes <= max_bytes and (
                max_rows is None or count + len(serialized) <= max_rows
            )
            if group and not fits:
                yield group, concatenate(parts), first_row
                group, parts, size, count = [], [], 0, 0
            if not group:
                first_row = rows
            group.append(batch)
            parts.append(serialized)
            size, count, rows = size + nbytes, count + len(serialized), rows + batch.num_rows
            if size >= target or (max_rows is not None and count >= max_rows):
                yield group, concatenate(parts), first_row
                group, parts, size, count = [], [], 0, 0
                target = min(max_bytes, 2 * target)
        if group:
            yield group, concatenate(parts), first_row


def concatenate(parts: list[SerializedBatch]) -> SerializedBatch:
    """The rows of ``parts`` back to back as one SerializedBatch (no copy for one part)."""
    if len(parts) == 1:
        return parts[0]
    lengths = [int(p.offsets[-1] - p.offsets[0]) for p in parts]
    data = b"".join(memoryview(p.data)[p.offsets[0] : p.offsets[-1]] for p in parts)
    starts = np.cumsum([0, *lengths[:-1]])
    offsets = np.concatenate(
        [parts[0].offsets[:1] - parts[0].offsets[0]]
        + [p.offsets[1:] - p.offsets[0] + start for p, start in zip(parts, starts)]
    )
    return SerializedBatch(data, offsets.astype(np.int64))


def _body(serialized: SerializedBatch, start: int, stop: int) -> bytes:
    """A request body: the serialized bytes themselves when they are the whole request
    (as a packed group's usually are), else a copy of the span."""
    data, offsets = serialized.data, serialized.offsets
    if isinstance(data, bytes) and offsets[start] == 0 and offsets[stop] == len(data):
        return data
    return serialized.body(start, stop)


def _per_batch(
    group: list[pa.RecordBatch],
    requests: list[tuple[tuple[int, int], Future]],
    collect: Callable[[list[tuple[tuple[int, int], Future]], pa.Schema], Predictions],
    schema: pa.Schema,
) -> Iterator[tuple[pa.RecordBatch, Predictions]]:
    """The predictions of a packed group, given back batch by batch."""
    predictions = collect(requests, schema)
    offset = 0
    for batch in group:
        rows = batch.num_rows
        yield (
            batch,
            Predictions(
                predictions.batch.slice(offset, rows), predictions.errors[offset : offset + rows]
            ),
        )
        offset += rows


@dataclass(frozen=True)
class Predictions:
    """A partition's predictions in input order, and per row the error message of a request
    that failed for good (None where it succeeded; only filled with error_mode="column")."""

    batch: pa.RecordBatch
    errors: list[str | None]


def _arrow_schema(deserializer: ResponseRowDeserializer) -> pa.Schema:
    from smspark_core.transformation.arrow_vectors import arrow_type_for

    return pa.schema([(f.name, arrow_type_for(f.dataType)) for f in deserializer.schema.fields])
