"""Watching training jobs through boto3 against the local backend."""

from __future__ import annotations

import logging
import uuid

import pytest
from botocore.exceptions import ClientError
from local_helpers import start_job, wait_job

from smspark_core.aws.jobs import (
    TRAINING_LOG_GROUP,
    LogFollower,
    TrainingJobFailed,
    call_with_backoff,
    watch_training_job,
)


def _watch(clients, name, **kwargs):
    return watch_training_job(
        clients["sagemaker"], clients["logs"], name, poll_seconds=0.1, **kwargs
    )


def test_watch_streams_logs_and_status_changes(clients, training_data, caplog):
    lines = []
    name = start_job(clients, training_data)
    with caplog.at_level(logging.INFO, logger="smspark.jobs"):
        job = _watch(clients, name, on_log_line=lines.append)
    assert job["TrainingJobStatus"] == "Completed"
    assert "trained on 4 rows" in lines
    assert lines.index("Starting: Launching requested ML instances") < lines.index(
        "trained on 4 rows"
    )
    assert f"training job {name}: Completed (Completed)" in caplog.text


def test_a_failed_job_raises_with_reason_name_and_last_lines(clients, training_data):
    name = start_job(clients, training_data, hyperparameters={"fail": "true"})
    with pytest.raises(TrainingJobFailed) as raised:
        _watch(clients, name)
    message = str(raised.value)
    assert f"training job {name} ended Failed (Failed)" in message
    assert "AlgorithmError: requested failure: fail=true" in message
    assert "last log lines:" in message and "hyperparameters:" in message
    assert raised.value.job["TrainingJobName"] == name


def test_the_timeout_is_in_seconds_and_stops_the_job(clients, training_data):
    name = start_job(clients, training_data, hyperparameters={"sleep_seconds": "60"})
    with pytest.raises(TrainingJobFailed, match="did not finish within 1 seconds"):
        _watch(clients, name, timeout_seconds=1)
    assert wait_job(clients, name)["TrainingJobStatus"] == "Stopped"


def test_ctrl_c_stops_the_job(clients, training_data):
    name = start_job(clients, training_data, hyperparameters={"sleep_seconds": "60"})

    def interrupt(line: str) -> None:
        if line.startswith("hyperparameters"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _watch(clients, name, on_log_line=interrupt)
    assert wait_job(clients, name)["TrainingJobStatus"] == "Stopped"


def test_throttling_while_polling_is_retried(monkeypatch):
    monkeypatch.setattr("smspark_core.aws.jobs.time.sleep", lambda seconds: None)
    answers = iter(["ThrottlingException", "ServiceUnavailable", None])

    def describe():
        code = next(answers)
        if code:
            status = 400 if code.startswith("Throttling") else 503
            raise ClientError(
                {
                    "Error": {"Code": code, "Message": "x"},
                    "ResponseMetadata": {"HTTPStatusCode": status},
                },
                "DescribeTrainingJob",
            )
        return {"TrainingJobStatus": "Completed"}

    assert call_with_backoff(describe) == {"TrainingJobStatus": "Completed"}
    with pytest.raises(ClientError, match="AccessDenied"):
        call_with_backoff(
            lambda: (_ for _ in ()).throw(
                ClientError(
                    {
                        "Error": {"Code": "AccessDenied", "Message": "no"},
                        "ResponseMetadata": {"HTTPStatusCode": 403},
                    },
                    "DescribeTrainingJob",
                )
            )
        )


class _Denying:
    """A client whose ``operation`` is denied, as for a role without that right; every
    other call goes to the real client."""

    def __init__(self, client, operation: str):
        self._client, self._operation = client, operation

    def __getattr__(self, name):
        if name != self._operation:
            return getattr(self._client, name)

        def denied(**_):
            error = {"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}}
            raise ClientError(error, "".join(p.title() for p in name.split("_")))

        return denied


def test_a_refused_log_call_stops_the_job(clients, training_data):
    """CloudWatch Logs denied while the job runs: the job is stopped, not left running
    unwatched, and the error names it and the refused call."""
    name = start_job(clients, training_data, hyperparameters={"sleep_seconds": "60"})
    logs = _Denying(clients["logs"], "describe_log_streams")
    with pytest.raises(TrainingJobFailed) as raised:
        watch_training_job(clients["sagemaker"], logs, name, poll_seconds=0.1)
    assert str(raised.value) == (
        f"watching training job {name} failed: DescribeLogStreams: AccessDeniedException: "
        f"not authorized; training job {name} has been asked to stop (StopTrainingJob)"
    )
    assert isinstance(raised.value.__cause__, ClientError)
    assert wait_job(clients, name)["TrainingJobStatus"] == "Stopped"


def test_system_exit_stops_the_job_and_stays_system_exit(clients, training_data):
    name = start_job(clients, training_data, hyperparameters={"sleep_seconds": "60"})

    def leave(line: str) -> None:
        if line.startswith("hyperparameters"):
            raise SystemExit(3)

    with pytest.raises(SystemExit) as raised:
        _watch(clients, name, on_log_line=leave)
    assert raised.value.code == 3
    assert raised.value.__notes__ == [
        f"training job {name} was still running; training job {name} has been asked to stop "
        "(StopTrainingJob)"
    ]
    assert wait_job(clients, name)["TrainingJobStatus"] == "Stopped"


def test_a_job_that_cannot_be_stopped_is_named_with_how_to_stop_it(clients, training_data):
    name = start_job(clients, training_data, hyperparameters={"sleep_seconds": "60"})
    sagemaker = _Denying(clients["sagemaker"], "stop_training_job")

    def interrupt(line: str) -> None:
        if line.startswith("hyperparameters"):
            raise KeyboardInterrupt

    try:
        with pytest.raises(KeyboardInterrupt) as raised:
            watch_training_job(
                sagemaker, clients["logs"], name, poll_seconds=0.1, on_log_line=interrupt
            )
        assert raised.value.__notes__ == [
            f"training job {name} was still running; training job {name} could NOT be "
            "stopped (StopTrainingJob: AccessDeniedException: not authorized) and may still be "
            f"running (and billed): stop it with aws sagemaker stop-training-job "
            f"--training-job-name {name}"
        ]
        running = clients["sagemaker"].describe_training_job(TrainingJobName=name)
        assert running["TrainingJobStatus"] == "InProgress"
    finally:
        clients["sagemaker"].stop_training_job(TrainingJobName=name)
    assert wait_job(clients, name)["TrainingJobStatus"] == "Stopped"


def test_log_streams_beyond_the_first_page_are_followed(local, clients):
    """DescribeLogStreams answers 50 streams a page: a job on many instances has more."""
    name = f"paged-{uuid.uuid4().hex[:8]}"
    for host in range(1, 61):
        local.api.logs.append(TRAINING_LOG_GROUP, f"{name}/algo-{host}-1", f"line of {host}")
    follower = LogFollower(clients["logs"], name)
    assert len(follower.streams()) == 60
    assert sorted(follower.poll()) == sorted(f"line of {host}" for host in range(1, 61))
    assert follower.poll() == []  # from where it left off
