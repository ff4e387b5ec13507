"""Running a Batch Transform job locally, as the service does.

The job's model runs as ``InstanceCount`` model servers (the local hosting code, so a
transform job and an endpoint of the same model answer alike). Each input object is split
by ``SplitType`` (``Line``: newline-terminated lines; ``RecordIO``: framed records; ``None``:
the whole object is one record), its records packed into mini-batches of at most
``MaxPayloadInMB`` (``MultiRecord``; ``SingleRecord`` sends one record per request), with
``MaxConcurrentTransforms`` requests per instance in flight, from one object or from several
objects transformed at once. A failed request is retried
``ModelClientConfig.InvocationsMaxRetries`` times, each attempt bounded by
``InvocationsTimeoutInSeconds``. The model servers get the service's batch variables
(``SAGEMAKER_MAX_PAYLOAD_IN_MB``, ``SAGEMAKER_BATCH_STRATEGY``,
``SAGEMAKER_MAX_CONCURRENT_TRANSFORMS``). Responses are assembled in input order into
``<S3OutputPath>/<relative key>.out`` (``AssembleWith`` ``Line`` ends each response with a
newline). A mini-batch that still fails fails the job, and the data log
(``<job>/<instance>/data-log`` under ``/aws/sagemaker/TransformJobs``) names the object and
the records of that mini-batch. A stopped job leaves no output.

``DataCaptureConfig`` is carried out as the service documents it (SageMaker Developer Guide,
"Capture data from batch transform job"): when the job completes, two manifests (JSON, the
ManifestFile format) list its input objects and its ``.out`` objects under
``<DestinationS3Uri>/input/`` and ``/output/``, each below a ``yyyy/mm/dd/hh/`` prefix of the
job's start hour (UTC); ``GenerateInferenceId`` appends an inference id and the job start time
to every CSV or JSON Lines output record (``smspark_core.codecs.inference_ids``).

Fault injection: faults set for the job's model name (``LocalSageMaker.set_faults``) act on
every request attempt (latency, throttling and errors count as failed attempts).
"""

from __future__ import annotations

import gzip
import json
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from smspark_core.aws.resources import split_s3_uri
from smspark_core.codecs import recordio
from smspark_core.codecs.inference_ids import INFERENCE_ID_ACCEPTS, append_inference_ids
from smspark_core.foundation.media_types import media_type
from smspark_local.service import hosting
from smspark_local.service.faults import Faults
from smspark_local.service.images import ImageResolver
from smspark_local.service.logs import TRANSFORM_GROUP, LogStore
from smspark_local.service.s3_objects import JobFailed, manifest_objects, prefix_objects
from smspark_local.service.store import Store
from smspark_local.toolkit.container import FAILURE_LIMIT

MIB = 1024 * 1024
DEFAULT_PAYLOAD_MB = 6
DEFAULT_TIMEOUT_S = 600
DEFAULT_RETRIES = 3


@dataclass(frozen=True)
class MiniBatch:
    """Records ``first`` to ``last`` (0-based, inclusive) of one object: ``data[start:stop]``."""

    first: int
    last: int
    start: int
    stop: int


def record_offsets(data: bytes, split_type: str) -> np.ndarray:
    """The n+1 offsets of the records of an object, split as ``SplitType`` says."""
    if split_type == "RecordIO":
        try:
            return recordio.record_offsets(data)
        except recordio.RecordIOError as error:
            raise JobFailed(f"ClientError: the input is not RecordIO: {error}") from None
    if split_type == "Line":
        ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == ord("\n")) + 1
        offsets = np.concatenate([[0], ends]).astype(np.int64)
        if offsets[-1] != len(data):  # a last line without its newline is still a record
            offsets = np.append(offsets, len(data))
        return offsets
    return np.array([0, len(data)], dtype=np.int64) if data else np.zeros(1, dtype=np.int64)


def plan_mini_batches(
    offsets: np.ndarray, strategy: str, max_bytes: int | None, where: str
) -> list[MiniBatch]:
    """Packs records into mini-batches in order; a record over the limit fails the job."""
    sizes = np.diff(offsets)
    if max_bytes is not None and len(sizes) and sizes.max() > max_bytes:
        index = int(np.argmax(sizes > max_bytes))
        raise JobFailed(
            f"ClientError: record {index} of {where} is {int(sizes[index])} bytes, more than "
            f"MaxPayloadInMB ({max_bytes // MIB} MB)"
        )
    batches, first, n = [], 0, len(sizes)
    while first < n:
        if strategy == "SingleRecord":
            stop = first + 1
        elif max_bytes is None:
            stop = n
        else:
            stop = int(np.searchsorted(offsets, offsets[first] + max_bytes, side="right")) - 1
            stop = max(stop, first + 1)
        stop = min(stop, n)
        batches.append(MiniBatch(first, stop - 1, int(offsets[first]), int(offsets[stop])))
        first = stop
    return batches


class TransformRun:
    """One transform job's thread: model servers up, every object through them, output."""

    def __init__(
        self,
        name: str,
        store: Store,
        logs: LogStore,
        resolver: ImageResolver,
        s3: Any,
        root: Path,
        faults: Callable[[], Faults | None],
        ping_timeout: float,
    ) -> None:
        self.name, self.store, self.logs, self.resolver, self.s3 = name, store, logs, resolver, s3
        self.root, self.faults, self.ping_timeout = root, faults, ping_timeout
        self.stop_requested = threading.Event()
        self.abandoned = threading.Event()  # an object failed: the job fails, the rest stop
        self.variant: hosting.Variant | None = None
        self.written: list[tuple[str, str]] = []  # (bucket, key) of the .out objects so far
        self.data_log = f"{name}/data-log"
        self.thread = threading.Thread(target=self._run, name=f"transform-{name}", daemon=True)

    @property
    def job(self) -> dict[str, Any]:
        job = self.store.get("transform_jobs", self.name)
        assert job is not None  # the job's record outlives its run
        return job

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        """Stopping at once, as on the service; the job ends Stopped between mini-batches."""
        with self.store.lock:
            if self.stop_requested.is_set() or self.job["TransformJobStatus"] != "InProgress":
                return
            self.stop_requested.set()
            self._status("Stopping")

    # -- status and logs

    def _status(self, status: str, **changes: Any) -> None:
        now = time.time()
        if status in ("Completed", "Failed", "Stopped"):
            changes["TransformEndTime"] = now
        self.store.update(
            "transform_jobs", self.name, TransformJobStatus=status, _LastModifiedTime=now, **changes
        )

    def _log(self, message: str) -> None:
        self.logs.append(TRANSFORM_GROUP, self.data_log, message)

    # -- the job

    def _run(self) -> None:
        try:
            outcome = self._run_steps()
            if outcome == "Stopped":  # a stopped job stores no output, as on the service
                for bucket, key in self.written:
                    self.s3.delete_object(Bucket=bucket, Key=key)
            self._status(outcome)
            self._log(f"[sagemaker logs]: transform job {outcome.lower()}")
        except JobFailed as failure:
            self._fail(str(failure))
        except Exception as error:  # the backend must never leave a job InProgress
            self._fail(f"InternalServerError: {type(error).__name__}: {error}")
        finally:
            if self.variant is not None:
                self.variant.stop()
            shutil.rmtree(self.root, ignore_errors=True)

    def _fail(self, reason: str) -> None:
        self._log(f"[sagemaker logs]: failure reason: {reason}")
        self._status("Failed", FailureReason=reason[:FAILURE_LIMIT])

    def _run_steps(self) -> str:
        job = self.job
        model = job["_model"]
        container = model.get("PrimaryContainer") or model["Containers"][0]
        try:
            spec = self.resolver.resolve(container["Image"])
        except LookupError as error:
            raise JobFailed(f"ClientError: {error}") from None
        try:
            hosting.fetch_model_data(container.get("ModelDataUrl"), self.root, self.s3)
            resources = job["TransformResources"]
            environment = {
                **container.get("Environment", {}),
                **job.get("Environment", {}),
                # What the service tells a batch container about its job.
                "SAGEMAKER_MAX_PAYLOAD_IN_MB": str(job.get("MaxPayloadInMB", DEFAULT_PAYLOAD_MB)),
                "SAGEMAKER_BATCH_STRATEGY": (
                    "SINGLE_RECORD"
                    if job.get("BatchStrategy") == "SingleRecord"
                    else "MULTI_RECORD"
                ),
                "SAGEMAKER_MAX_CONCURRENT_TRANSFORMS": str(self._concurrency()),
            }
            self.variant = hosting.Variant(
                self.name,
                self.name,
                spec,
                self.root,
                environment,
                int(resources["InstanceCount"]),
                self.logs,
                log_group=TRANSFORM_GROUP,
            )
            self.data_log = f"{self.name}/{self.variant.instances[0].instance_id}/data-log"
            self.variant.start(self.ping_timeout)
        except hosting.HostingFailed as error:
            raise JobFailed(str(error)) from None
        self.store.update("transform_jobs", self.name, TransformStartTime=time.time())
        source = job["TransformInput"]["DataSource"]["S3DataSource"]
        if source.get("S3DataType", "S3Prefix") == "ManifestFile":
            objects = manifest_objects(self.s3, source["S3Uri"])
        else:
            objects = prefix_objects(self.s3, source["S3Uri"])
        if not objects:
            raise JobFailed(
                f'ClientError: No S3 objects found under S3 URL "{source["S3Uri"]}" given in '
                "input data source. Please ensure that the bucket exists in the selected "
                "region, that objects exist under that S3 prefix, and that the role has access "
                "to them."
            )
        self._log(
            f"[sagemaker logs]: MaxConcurrentTransforms={self._concurrency()}, "
            f"MaxPayloadInMB={job.get('MaxPayloadInMB', DEFAULT_PAYLOAD_MB)}, "
            f"BatchStrategy={job.get('BatchStrategy', 'MultiRecord')}"
        )
        self._transform_objects(objects)
        if self.stop_requested.is_set():
            return "Stopped"
        if job.get("DataCaptureConfig"):
            self._capture(objects)
        return "Completed"

    def _capture(self, objects: list[tuple[str, str, str]]) -> None:
        """The input and output manifests of ``DataCaptureConfig``."""
        job = self.job
        hour = time.strftime("%Y/%m/%d/%H", time.gmtime(job["TransformStartTime"]))
        bucket, prefix = split_s3_uri(job["DataCaptureConfig"]["DestinationS3Uri"])
        prefix = prefix.strip("/")
        source = job["TransformInput"]["DataSource"]["S3DataSource"]
        if source.get("S3DataType") == "ManifestFile":  # the objects it listed, by full key
            inputs = [{"prefix": f"s3://{objects[0][0]}/"}] + [key for _, key, _ in objects]
        else:
            inputs = [{"prefix": source["S3Uri"].rstrip("/") + "/"}] + [r for _, _, r in objects]
        output_uri = job["TransformOutput"]["S3OutputPath"]
        manifests = {
            "input": inputs,
            "output": [{"prefix": output_uri.rstrip("/") + "/"}]
            + [f"{r}.out" for _, _, r in objects],
        }
        for kind, manifest in manifests.items():
            key = "/".join(p for p in (prefix, kind, hour, f"{uuid.uuid4()}.jsonl") if p)
            self.s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(manifest).encode())
            self._log(f"[sagemaker logs]: data capture: {kind} manifest s3://{bucket}/{key}")

    def _concurrency(self) -> int:
        return max(1, int(self.job.get("MaxConcurrentTransforms") or 1))

    def _transform_objects(self, objects: list[tuple[str, str, str]]) -> None:
        """Every object through the model servers, several at once as the service spreads
        objects over its instances: at most ``MaxConcurrentTransforms`` × ``InstanceCount``
        requests are in flight, from one object or from several (and at most that many
        objects are held in memory). The first object that fails stops the others and fails
        the job."""
        assert self.variant is not None  # started before any object is read
        in_flight = self._concurrency() * len(self.variant.instances)
        with (
            ThreadPoolExecutor(in_flight, f"{self.name}-request") as requests,
            ThreadPoolExecutor(in_flight, f"{self.name}-object") as readers,
        ):
            futures = [
                readers.submit(self._transform_object, requests, bucket, key, relative)
                for bucket, key, relative in objects
            ]
            wait(futures, return_when=FIRST_EXCEPTION)
            failed = [f for f in futures if f.done() and f.exception() is not None]
            if failed:
                self.abandoned.set()  # requests not yet sent return at once
                for future in futures:
                    future.cancel()
        if failed:
            error = failed[0].exception()
            assert error is not None  # a failed future
            raise error

    def _transform_object(self, pool: ThreadPoolExecutor, bucket: str, key: str, relative: str):
        if self.stop_requested.is_set() or self.abandoned.is_set():
            return
        job = self.job
        where = f"{bucket}/{key}"
        data = self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        if job["TransformInput"].get("CompressionType") == "Gzip":
            data = gzip.decompress(data)
        payload_mb = job.get("MaxPayloadInMB", DEFAULT_PAYLOAD_MB)
        plan = plan_mini_batches(
            record_offsets(data, job["TransformInput"].get("SplitType", "None")),
            job.get("BatchStrategy", "MultiRecord"),
            payload_mb * MIB if payload_mb else None,
            where,
        )
        futures = [pool.submit(self._invoke, data, batch, where) for batch in plan]
        try:
            answers = [future.result() for future in futures]
        finally:
            for future in futures:
                future.cancel()
        if self.stop_requested.is_set() or self.abandoned.is_set():
            return
        line = job.get("TransformOutput", {}).get("AssembleWith", "None") == "Line"
        output = b"".join(
            answer + b"\n" if line and not answer.endswith(b"\n") else answer for answer in answers
        )
        if job.get("DataCaptureConfig", {}).get("GenerateInferenceId"):
            output = self._with_inference_ids(output, line)
        out_bucket, out_prefix = split_s3_uri(job["TransformOutput"]["S3OutputPath"])
        out_key = f"{out_prefix.rstrip('/')}/{relative}.out" if out_prefix else f"{relative}.out"
        self.s3.put_object(Bucket=out_bucket, Key=out_key, Body=output)
        self.written.append((out_bucket, out_key))
        self._log(
            f"[sagemaker logs]: {where}: {len(plan)} mini-batches, "
            f"{plan[-1].last + 1 if plan else 0} records -> s3://{out_bucket}/{out_key}"
        )

    def _with_inference_ids(self, output: bytes, line: bool) -> bytes:
        accept = self.job.get("TransformOutput", {}).get("Accept") or ""
        if line and media_type(accept)[0] in INFERENCE_ID_ACCEPTS:
            return append_inference_ids(output, accept, self.job["TransformStartTime"])
        self._log(
            f"[sagemaker logs]: GenerateInferenceId: no inference ids for Accept {accept!r} "
            "assembled by records; they are appended to CSV and JSON Lines lines"
        )
        return output

    def _invoke(self, data: bytes, batch: MiniBatch, where: str) -> bytes:
        """One mini-batch's answer, retried as ModelClientConfig says; JobFailed when the
        model server still refuses it."""
        if self.stop_requested.is_set() or self.abandoned.is_set():
            return b""
        job = self.job
        client = job.get("ModelClientConfig", {})
        attempts = 1 + int(client.get("InvocationsMaxRetries", DEFAULT_RETRIES))
        timeout = float(client.get("InvocationsTimeoutInSeconds", DEFAULT_TIMEOUT_S))
        content_type = job["TransformInput"].get("ContentType") or "application/octet-stream"
        headers = {"Content-Type": content_type}
        if job.get("TransformOutput", {}).get("Accept"):
            headers["Accept"] = job["TransformOutput"]["Accept"]
        body = data[batch.start : batch.stop]
        records = f"records {batch.first}-{batch.last}"
        problem = ""
        for attempt in range(1, attempts + 1):
            status, answer, problem = self._attempt(body, headers, timeout)
            if status == 200:
                return answer
            self._log(
                f"[sagemaker logs]: {where}: {records}: attempt {attempt} of {attempts}: {problem}"
            )
        raise JobFailed(
            f"ClientError: See job logs for more information ({where}: {records}: {problem})"
        )

    def _attempt(self, body: bytes, headers: dict, timeout: float) -> tuple[int, bytes, str]:
        faults = self.faults()
        if faults is not None:
            if faults.latency_ms:
                time.sleep(faults.latency_ms / 1000)
            decision = faults.decide()
            if decision is not None:
                status = 429 if decision == "throttle" else faults.error_status
                return status, b"", f"injected fault: the model server answered {status}"
        assert self.variant is not None  # started before any request is sent
        sent = time.monotonic()
        try:
            status, answer, *_ = self.variant.invoke(body, headers, timeout=timeout)
        except hosting.ModelServerUnavailable as error:
            # Unavailable after at least the timeout: the request (to every instance) timed out.
            if time.monotonic() - sent >= timeout:
                limit = f"InvocationsTimeoutInSeconds ({timeout:g} s)"
                return 408, b"", f"no answer within {limit}: {error}"
            return 503, b"", str(error)
        if status >= 400:
            message = answer.decode("utf-8", "replace")[:512]
            return status, b"", f"ClientError: {status}: {message}"
        return 200, answer, ""
