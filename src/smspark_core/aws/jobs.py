"""Job conversations with the SageMaker control plane: watch and stop training jobs and
Batch Transform jobs.

``watch_training_job`` polls DescribeTrainingJob (tolerating throttling and 5xx with
backoff, which the original did not), reports status and secondary-status changes, streams
the job's CloudWatch log events as they arrive, and returns the final description, or raises
``TrainingJobFailed`` carrying FailureReason, the job name and the last log lines. Its
timeout is in seconds (the original used hours). Watching never ends with the job left
running unwatched: whatever ends it early (the timeout, Ctrl-C, ``SystemExit``, a refused
CloudWatch Logs call) stops the job first and says so, or says that the job could not be
stopped and how to stop it by hand. ``watch_transform_job`` does the same for a transform
job (DescribeTransformJob, ``/aws/sagemaker/TransformJobs``, StopTransformJob) and raises
``TransformJobFailed``.
"""

from __future__ import annotations

import logging
import random
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from botocore.exceptions import ClientError

from smspark_core.foundation.errors import SmsparkError, add_note

log = logging.getLogger("smspark.jobs")

TRAINING_LOG_GROUP = "/aws/sagemaker/TrainingJobs"
TRANSFORM_LOG_GROUP = "/aws/sagemaker/TransformJobs"
TERMINAL = ("Completed", "Failed", "Stopped")
RETRYABLE = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ServiceUnavailable",
        "InternalFailure",
        "InternalServerError",
    }
)


class JobFailed(SmsparkError):
    """A job that ended Failed or Stopped, or that watching could not follow to its end (it
    ran past the client's timeout, or a call failed) and was therefore stopped."""

    def __init__(self, message: str, job: dict[str, Any] | None, last_log_lines: list[str]):
        tail = "".join(f"\n    {line}" for line in last_log_lines)
        super().__init__(message + (f"\n  last log lines:{tail}" if tail else ""))
        self.job = job
        self.last_log_lines = last_log_lines


class TrainingJobFailed(JobFailed):
    """A training job that ended Failed or Stopped, or ran past the client's timeout."""


class TransformJobFailed(JobFailed):
    """A Batch Transform job that ended Failed or Stopped, or ran past the client's timeout."""


@dataclass(frozen=True)
class JobKind:
    """What differs between watching a training job and a transform job."""

    noun: str
    describe: str
    name_field: str
    status_field: str
    secondary_field: str | None
    stop: str
    log_group: str
    timeout_setting: str
    error: type[JobFailed]

    def description(self, sagemaker: Any, job_name: str) -> dict[str, Any]:
        return call_with_backoff(
            lambda: getattr(sagemaker, self.describe)(**{self.name_field: job_name})
        )


TRAINING = JobKind(
    "training job",
    "describe_training_job",
    "TrainingJobName",
    "TrainingJobStatus",
    "SecondaryStatus",
    "stop_training_job",
    TRAINING_LOG_GROUP,
    "trainingMaxRuntimeInSeconds",
    TrainingJobFailed,
)
TRANSFORM = JobKind(
    "transform job",
    "describe_transform_job",
    "TransformJobName",
    "TransformJobStatus",
    None,
    "stop_transform_job",
    TRANSFORM_LOG_GROUP,
    "timeoutInSeconds",
    TransformJobFailed,
)


def retryable(error: ClientError) -> bool:
    """Throttling and 5xx: a call that failed so may succeed again, or may have taken
    effect although it failed."""
    code = error.response.get("Error", {}).get("Code", "")
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return code in RETRYABLE or status >= 500


# Control-plane calls are retried until this long after their first attempt (throttling,
# 5xx): long enough for a throttling storm, short enough to report a real outage.
CONTROL_PLANE_DEADLINE_S = 120.0


def call_with_backoff(
    call: Callable[[], Any],
    deadline_seconds: float = CONTROL_PLANE_DEADLINE_S,
    base: float = 0.2,
    ceiling: float = 20.0,
) -> Any:
    """Runs a control-plane call, retrying throttling and 5xx with full-jitter backoff until
    ``deadline_seconds`` after the first attempt. Use it with a ``control_plane_client`` so
    that botocore does not retry underneath."""
    first = time.monotonic()
    attempt = 0
    while True:
        try:
            return call()
        except ClientError as error:
            delay = random.uniform(0, min(ceiling, base * 2**attempt))
            if not retryable(error) or time.monotonic() - first + delay > deadline_seconds:
                raise
            time.sleep(delay)
            attempt += 1


def control_plane_client(spec: Any, service: str) -> Any:
    """A client for ``service`` whose retries are smspark's own (``call_with_backoff``):
    botocore's retries are off, so the two never multiply."""
    return spec.with_(max_attempts=1).client(service)


@dataclass
class LogFollower:
    """Follows every CloudWatch log stream of one job from where it left off."""

    logs: Any
    job_name: str
    keep: int = 20
    log_group: str = TRAINING_LOG_GROUP

    def __post_init__(self) -> None:
        self.tokens: dict[str, str] = {}
        self.recent: deque[str] = deque(maxlen=self.keep)

    def streams(self) -> list[dict[str, Any]]:
        """Every log stream of the job, page by page (a job on many instances has more
        than DescribeLogStreams' first page); none when the job has no stream yet."""
        request = {"logGroupName": self.log_group, "logStreamNamePrefix": f"{self.job_name}/"}
        streams: list[dict[str, Any]] = []
        while True:
            try:
                page = call_with_backoff(partial(self.logs.describe_log_streams, **request))
            except ClientError as error:
                if error.response["Error"]["Code"] == "ResourceNotFoundException":
                    return []
                raise
            streams += page["logStreams"]
            if not page.get("nextToken"):
                return streams
            request["nextToken"] = page["nextToken"]

    def poll(self) -> list[str]:
        """New log lines since the last poll (none when the job has no stream yet)."""
        lines = []
        for stream in self.streams():
            name = stream["logStreamName"]
            while True:
                request = {
                    "logGroupName": self.log_group,
                    "logStreamName": name,
                    "startFromHead": True,
                }
                if name in self.tokens:
                    request["nextToken"] = self.tokens[name]
                page = call_with_backoff(partial(self.logs.get_log_events, **request))
                events = page["events"]
                self.tokens[name] = page["nextForwardToken"]
                lines += [e["message"] for e in events]
                if not events:
                    break
        self.recent.extend(lines)
        return lines


class ProgressLine:
    """The job's status on one terminal line, rewritten in place (only on a terminal)."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = hasattr(self.stream, "isatty") and self.stream.isatty()

    def show(self, text: str) -> None:
        if self.enabled:
            self.stream.write("\r\033[K" + text)
            self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")


def watch_training_job(
    sagemaker: Any,
    logs: Any,
    job_name: str,
    *,
    timeout_seconds: float = 86400.0,
    poll_seconds: float = 5.0,
    on_log_line: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Waits for a training job to end; returns its description when Completed.

    Status changes and log lines go to the ``smspark.jobs`` logger (and ``on_log_line``);
    a progress line is shown when stderr is a terminal. Raises TrainingJobFailed when the job
    ends Failed or Stopped or the timeout passes (the job is then stopped).
    """
    return watch_job(
        TRAINING,
        sagemaker,
        logs,
        job_name,
        timeout_seconds=timeout_seconds,
        poll_seconds=poll_seconds,
        on_log_line=on_log_line,
    )


def watch_transform_job(
    sagemaker: Any,
    logs: Any,
    job_name: str,
    *,
    timeout_seconds: float = 86400.0,
    poll_seconds: float = 5.0,
    on_log_line: Callable[[str], None] | None = None,
    describe_progress: Callable[[], str | None] | None = None,
) -> dict[str, Any]:
    """Waits for a Batch Transform job to end, as ``watch_training_job`` does for training;
    raises TransformJobFailed. DescribeTransformJob reports no progress, so the caller may
    give ``describe_progress`` (for example how many ``.out`` objects exist): its answer is
    logged when it changes and shown on the progress line."""
    return watch_job(
        TRANSFORM,
        sagemaker,
        logs,
        job_name,
        timeout_seconds=timeout_seconds,
        poll_seconds=poll_seconds,
        on_log_line=on_log_line,
        describe_progress=describe_progress,
    )


def watch_job(
    kind: JobKind,
    sagemaker: Any,
    logs: Any,
    job_name: str,
    *,
    timeout_seconds: float,
    poll_seconds: float,
    on_log_line: Callable[[str], None] | None,
    describe_progress: Callable[[], str | None] | None = None,
) -> dict[str, Any]:
    """The watch loop of both kinds (see ``watch_training_job``). Every way out that does not
    follow the job to its end stops it: the timeout raises ``kind.error``; an error of a call
    (a refused DescribeLogStreams, ...) becomes ``kind.error`` with that error as its cause;
    KeyboardInterrupt and SystemExit stay what they are, with a note. Each says whether the
    job was asked to stop or could not be, and how to stop it then."""
    follower = LogFollower(logs, job_name, log_group=kind.log_group)
    progress = ProgressLine()
    deadline = time.monotonic() + timeout_seconds
    seen_status = None
    seen_progress = None
    job: dict[str, Any] | None = None
    try:
        while True:
            job = kind.description(sagemaker, job_name)
            status = (
                job[kind.status_field],
                job.get(kind.secondary_field) if kind.secondary_field else None,
            )
            shown = status[0] + (f" ({status[1]})" if kind.secondary_field else "")
            if status != seen_status:
                log.info("%s %s: %s", kind.noun, job_name, shown)
                seen_status = status
            for line in follower.poll():
                log.info("[%s] %s", job_name, line)
                if on_log_line:
                    on_log_line(line)
            detail = describe_progress() if describe_progress else None
            if detail and detail != seen_progress:
                log.info("%s %s: %s", kind.noun, job_name, detail)
                seen_progress = detail
            progress.show(f"{kind.noun} {job_name}: {shown}" + (f", {detail}" if detail else ""))
            if status[0] in TERMINAL:
                break
            if time.monotonic() > deadline:
                break
            time.sleep(poll_seconds)
    except BaseException as error:
        if job is not None and job[kind.status_field] in TERMINAL:
            raise  # the job has ended: nothing is left running
        stopped, interrupt = _stop_unwatched(kind, sagemaker, job_name)
        what = f"watching {kind.noun} {job_name} failed: {_cause(error)}"
        if interrupt is not None:  # a second Ctrl-C while stopping
            add_note(interrupt, f"{what}; {stopped}")
            raise interrupt from error
        if not isinstance(error, Exception):  # Ctrl-C or SystemExit: stays what it is
            add_note(error, f"{kind.noun} {job_name} was still running; {stopped}")
            raise
        raise kind.error(f"{what}; {stopped}", job, list(follower.recent)) from error
    finally:
        progress.close()
    assert job is not None  # the loop ends only after a description
    if status[0] not in TERMINAL:
        stopped, interrupt = _stop_unwatched(kind, sagemaker, job_name)
        timed_out = (
            f"{kind.noun} {job_name} did not finish within {timeout_seconds:g} seconds "
            f"({kind.timeout_setting}); {stopped}"
        )
        if interrupt is not None:
            add_note(interrupt, timed_out)
            raise interrupt
        raise kind.error(timed_out, job, list(follower.recent))
    if status[0] != "Completed":
        reason = job.get("FailureReason", "no FailureReason given")
        raise kind.error(
            f"{kind.noun} {job_name} ended {shown}: {reason}",
            job,
            list(follower.recent),
        )
    return job


def _cause(error: BaseException) -> str:
    """An error in a few words: the service's code and message, else the error's text."""
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        operation = getattr(error, "operation_name", "the call")
        return f"{operation}: {details.get('Code', '')}: {details.get('Message', '')}"
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def aws_cli(method: str, key: str, name: str) -> str:
    """The AWS CLI command of one SageMaker call on one resource:
    ``aws_cli("stop_training_job", "TrainingJobName", "j")`` is
    ``aws sagemaker stop-training-job --training-job-name j``."""
    option = "".join("-" + c.lower() if c.isupper() else c for c in key)
    return f"aws sagemaker {method.replace('_', '-')} -{option} {name}"


def _stop_unwatched(
    kind: JobKind, sagemaker: Any, job_name: str
) -> tuple[str, BaseException | None]:
    """Stops a job that is no longer watched; returns what became of it, in words, and a
    KeyboardInterrupt/SystemExit that arrived while stopping (the caller raises it)."""
    try:
        stop_job(kind, sagemaker, job_name)
    except BaseException as error:
        how = aws_cli(kind.stop, kind.name_field, job_name)
        why = "interrupted" if not isinstance(error, Exception) else _cause(error)
        text = (
            f"{kind.noun} {job_name} could NOT be stopped ({why}) and may still be running "
            f"(and billed): stop it with {how}"
        )
        log.error("%s", text)
        return text, None if isinstance(error, Exception) else error
    operation = "".join(part.title() for part in kind.stop.split("_"))
    return f"{kind.noun} {job_name} has been asked to stop ({operation})", None


def stop_job(kind: JobKind, sagemaker: Any, job_name: str) -> None:
    """Asks SageMaker to stop a job; a job that already ended is left alone."""
    try:
        call_with_backoff(lambda: getattr(sagemaker, kind.stop)(**{kind.name_field: job_name}))
        log.warning("asked SageMaker to stop %s %s", kind.noun, job_name)
    except ClientError as error:
        if error.response["Error"]["Code"] != "ValidationException":
            raise
