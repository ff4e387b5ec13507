"""Watching training jobs through boto3 against the local backend."""

from __future__ import annotations

import logging

import pytest
from botocore.exceptions import ClientError
from conftest import start_job, wait_job

from smspark_core.jobs import TrainingJobFailed, call_with_backoff, watch_training_job


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
    monkeypatch.setattr("smspark_core.jobs.time.sleep", lambda seconds: None)
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
