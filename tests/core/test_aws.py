"""The picklable client spec that executors build their boto3 clients from."""

from __future__ import annotations

import pickle

from smspark_core.aws import ClientSpec


def test_from_environment_captures_endpoints_and_region_not_credentials(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9000")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9999")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    spec = ClientSpec.from_environment()
    assert spec.endpoint_url("s3") == "http://127.0.0.1:9000"
    assert spec.endpoint_url("sagemaker") == "http://127.0.0.1:9999"  # the shared setting
    assert spec.region == "eu-west-1"
    assert spec.credentials is None


def test_overrides_pickling_and_secret_free_repr():
    spec = ClientSpec.from_environment(
        endpoint_urls={"s3": "http://127.0.0.1:1"}, credentials=("AKIDEXAMPLE", "s3cr3t", None)
    )
    assert pickle.loads(pickle.dumps(spec)) == spec
    assert "s3cr3t" not in repr(spec) and "AKIDEXAMPLE" not in repr(spec)
    client = spec.client("s3")
    assert client.meta.endpoint_url == "http://127.0.0.1:1"
    assert spec.client("s3") is client  # cached per process
