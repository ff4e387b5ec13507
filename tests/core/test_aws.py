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


def test_the_default_spec_is_the_installed_one_innermost_first(monkeypatch):
    from smspark_core.aws import default_client_spec, use_default_client_spec

    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    assert default_client_spec() == ClientSpec.from_environment()
    outer = ClientSpec(region="us-west-2", credentials=("AKIDEXAMPLE", "s3cr3t", None))
    inner = ClientSpec(region="ap-south-1")
    with use_default_client_spec(outer):
        assert default_client_spec() is outer
        with use_default_client_spec(inner):
            assert default_client_spec() is inner
        assert default_client_spec() is outer
    assert default_client_spec().region == "eu-west-1"


def test_a_bound_data_source_carries_its_spec_by_value():
    """Spark pickles the registered class with cloudpickle; a bound one must travel with its
    spec (executors cannot import it by name), the plain one by reference."""
    from pyspark import cloudpickle

    from smspark_core.datasource.sagemaker_format import SageMakerDataSource, bound_to

    spec = ClientSpec(region="us-west-2", credentials=("AKIDEXAMPLE", "s3cr3t", None))
    bound = bound_to(spec)
    assert bound.name() == "sagemaker" and issubclass(bound, SageMakerDataSource)
    assert pickle.loads(cloudpickle.dumps(bound)).client_spec == spec
    assert bound_to(None) is SageMakerDataSource
    assert b"s3cr3t" not in cloudpickle.dumps(SageMakerDataSource)


def test_saved_specs_keep_the_region_only_and_loading_ignores_urls():
    from smspark_core.aws import use_default_client_spec
    from smspark_core.aws.persistence import client_spec_from_json, client_spec_to_json

    saving = ClientSpec(
        region="eu-west-1",
        endpoint_urls=(("sagemaker-runtime", "http://127.0.0.1:1"),),
        credentials=("AKIDEXAMPLE", "s3cr3t", None),
        max_attempts=3,
    )
    assert client_spec_to_json(saving) == {"region": "eu-west-1"}
    loading = ClientSpec(region="us-east-1", endpoint_urls=(("sagemaker-runtime", "http://x"),))
    edited = {"region": "eu-west-1", "endpoint_urls": {"sagemaker-runtime": "http://evil"}}
    with use_default_client_spec(loading):
        loaded = client_spec_from_json(edited)
    assert loaded == loading.with_(region="eu-west-1")
