"""Job conversations with the SageMaker control plane: watch and stop training jobs and
Batch Transform jobs.

``watch_training_job`` polls DescribeTrainingJob (tolerating throttling and 5xx with
backoff, which the original did not), reports status and secondary-status changes, streams
the job's CloudWatch log events as they arrive, and returns the final description, or raises
``TrainingJobFailed`` carrying FailureReason, the job name and the last log lines. Its
timeout is in seconds (the original used hours). A KeyboardInterrupt stops the job before it
propagates. ``watch_transform_job`` does the same for a transform job (DescribeTransformJob,
``/aws/sagemaker/TransformJobs``, StopTransformJob) and raises ``TransformJobFailed``.
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

from smspark_core.errors import SmsparkError

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
    """A job that ended Failed or Stopped, or ran past the client's timeout."""

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


def _retryable(error: ClientError) -> bool:
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
            if not _retryable(error) or time.monotonic() - first + delay > deadline_seconds:
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

    def poll(self) -> list[str]:
        """New log lines since the last poll (none when the job has no stream yet)."""
        try:
            streams = call_with_backoff(
                lambda: self.logs.describe_log_streams(
                    logGroupName=self.log_group, logStreamNamePrefix=f"{self.job_name}/"
                )
            )["logStreams"]
        except ClientError as error:
            if error.response["Error"]["Code"] == "ResourceNotFoundException":
                return []
            raise
        lines = []
        for stream in streams:
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
    """The watch loop of both kinds (see ``watch_training_job``)."""
    follower = LogFollower(logs, job_name, log_group=kind.log_group)
    progress = ProgressLine()
    deadline = time.monotonic() + timeout_seconds
    seen_status = None
    seen_progress = None
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
                stop_job(kind, sagemaker, job_name)
                raise kind.error(
                    f"{kind.noun} {job_name} did not finish within {timeout_seconds:g} seconds "
                    f"({kind.timeout_setting}); it has been asked to stop",
                    job,
                    list(follower.recent),
                )
            time.sleep(poll_seconds)
    except KeyboardInterrupt:
        stop_job(kind, sagemaker, job_name)
        raise
    finally:
        progress.close()
    if status[0] != "Completed":
        reason = job.get("FailureReason", "no FailureReason given")
        raise kind.error(
            f"{kind.noun} {job_name} ended {shown}: {reason}",
            job,
            list(follower.recent),
        )
    return job


def stop_job(kind: JobKind, sagemaker: Any, job_name: str) -> None:
    """Asks SageMaker to stop a job; a job that already ended is left alone."""
    try:
        call_with_backoff(lambda: getattr(sagemaker, kind.stop)(**{kind.name_field: job_name}))
        log.warning("asked SageMaker to stop %s %s", kind.noun, job_name)
    except ClientError as error:
        if error.response["Error"]["Code"] != "ValidationException":
            raise
