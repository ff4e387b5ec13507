"""Control-plane calls are retried by smspark alone, until a deadline: the clients smspark
builds for them have botocore's retries off, so the two never multiply."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from smspark_core.aws import ClientSpec, jobs
from smspark_core.aws.jobs import call_with_backoff, control_plane_client


def _throttled():
    error = {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}
    return ClientError({**error, "ResponseMetadata": {"HTTPStatusCode": 400}}, "DescribeEndpoint")


def test_throttling_is_retried_past_any_fixed_count_until_it_stops(monkeypatch):
    monkeypatch.setattr(jobs.time, "sleep", lambda seconds: None)
    answers = [_throttled()] * 30 + ["done"]

    def call():
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert call_with_backoff(call) == "done"


def test_the_deadline_ends_the_retries(monkeypatch):
    clock = iter(range(0, 10_000, 10))  # every reading is 10 s later
    monkeypatch.setattr(jobs.time, "monotonic", lambda: next(clock))
    monkeypatch.setattr(jobs.time, "sleep", lambda seconds: None)
    calls = []

    def call():
        calls.append(1)
        raise _throttled()

    with pytest.raises(ClientError, match="ThrottlingException"):
        call_with_backoff(call, deadline_seconds=60)
    assert 1 < len(calls) <= 7


def test_errors_that_retrying_cannot_fix_are_raised_at_once():
    calls = []

    def call():
        calls.append(1)
        raise ClientError({"Error": {"Code": "ValidationException"}}, "CreateModel")

    with pytest.raises(ClientError):
        call_with_backoff(call)
    assert calls == [1]


def test_smspark_s_control_plane_clients_do_not_retry_in_botocore():
    client = control_plane_client(ClientSpec(region="us-east-1"), "sagemaker")
    assert client.meta.config.retries["total_max_attempts"] == 1
