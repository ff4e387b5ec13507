"""InvokeEndpoint through boto3: answers, the runtime's error classes, fault injection,
crashed model servers, concurrency, and a command-line (bring-your-own) image."""

from __future__ import annotations

import json
import sys
import threading
import time

import pytest
from botocore.exceptions import ClientError
from local_helpers import ECHO_IMAGE, host, start_job, unique, wait_job

JSONL = "application/jsonlines"


@pytest.fixture(scope="module")
def model_url(clients, training_data):
    job = wait_job(clients, start_job(clients, training_data))
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    return job["ModelArtifacts"]["S3ModelArtifacts"]


@pytest.fixture(scope="module")
def endpoint(clients, model_url):
    return host(clients, model_url, instances=2)


def no_retries(local, service="sagemaker-runtime"):
    spec = local.client_spec.with_(max_attempts=1)
    return spec.client(service)


def _invoke(runtime, endpoint, body=b'{"features": [1, 1, 1]}\n', **kwargs):
    return runtime.invoke_endpoint(
        EndpointName=endpoint, Body=body, ContentType=kwargs.pop("ContentType", JSONL), **kwargs
    )


def test_custom_image_trains_hosts_and_answers(clients, endpoint):
    """The bring-your-own-container path: an image registered on the backend by a test."""
    response = _invoke(clients["sagemaker-runtime"], endpoint, Accept=JSONL)
    # The model learned the feature means [2, 2, 2]; 2 + 2 + 2 = 6.
    assert json.loads(response["Body"].read()) == {"total": 6.0}
    assert response["ContentType"] == JSONL
    assert response["InvokedProductionVariant"] == "AllRequests"
    csv = _invoke(
        clients["sagemaker-runtime"],
        endpoint,
        body=b"1,0,0\n0,0,1\n",
        ContentType="text/csv",
        Accept="text/csv",
    )
    assert csv["Body"].read() == b"2.0\n2.0\n"


def test_runtime_errors_have_the_services_codes(local, clients, endpoint):
    runtime = no_retries(local)
    with pytest.raises(
        ClientError, match="Endpoint nope of account 123456789012 not found"
    ) as error:
        _invoke(runtime, "nope")
    assert error.value.response["Error"]["Code"] == "ValidationError"
    with pytest.raises(runtime.exceptions.ModelError) as error:
        _invoke(runtime, endpoint, body=b'{"features": [1]}\n')
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 424
    assert error.value.response["OriginalStatusCode"] == 400
    assert error.value.response["OriginalMessage"] == "row 0 has 1 features, the model expects 3"
    assert 'from primary with message "row 0 has 1 features' in str(error.value)
    with pytest.raises(ClientError, match="HTTP content length exceeded 6291456 bytes") as error:
        _invoke(runtime, endpoint, body=b"x" * (6 * 1024 * 1024 + 1))
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413


def test_endpoint_not_in_service_is_a_validation_error(local, clients, model_url):
    name = host(clients, model_url, wait=False)
    with pytest.raises(ClientError) as error:
        _invoke(no_retries(local), name)
    assert error.value.response["Error"]["Code"] == "ValidationError"


def test_throttling_and_5xx_injection(local, clients, endpoint):
    runtime = no_retries(local)
    local.set_faults(endpoint, throttle_rate=0.3, error_rate=0.1, seed=7)
    codes = []
    for _ in range(100):
        try:
            _invoke(runtime, endpoint)
            codes.append("ok")
        except ClientError as error:
            codes.append(error.response["Error"]["Code"])
            status = error.response["ResponseMetadata"]["HTTPStatusCode"]
            assert (codes[-1], status) in {
                ("ThrottlingException", 400),
                ("ServiceUnavailable", 503),
            }
    assert 15 <= codes.count("ThrottlingException") <= 45
    assert 2 <= codes.count("ServiceUnavailable") <= 20
    local.set_faults(endpoint, fail_next=2, error_status=500)
    for _ in range(2):
        with pytest.raises(ClientError) as error:
            _invoke(runtime, endpoint)
        assert error.value.response["Error"]["Code"] == "InternalFailure"
    _invoke(runtime, endpoint)
    local.clear_faults(endpoint)


def test_botocore_retries_the_injected_throttling(local, clients, endpoint):
    """Throttling is answered exactly as the service does: botocore's own retry handles it."""
    runtime = local.client_spec.with_(max_attempts=10).client("sagemaker-runtime")
    local.set_faults(endpoint, fail_next=0, throttle_rate=0.5, seed=1)
    for _ in range(10):
        assert json.loads(_invoke(runtime, endpoint)["Body"].read()) == {"total": 6.0}
    local.clear_faults(endpoint)


def test_fault_settings_are_validated_and_exposed_over_http(local, endpoint):
    import urllib.request

    with pytest.raises(ValueError, match="throttle_rate must be within"):
        local.set_faults(endpoint, throttle_rate=2)
    request = urllib.request.Request(
        f"{local.url}/_smspark/faults/{endpoint}",
        data=json.dumps({"latency_ms": 5}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request) as answer:
        assert json.loads(answer.read())["latency_ms"] == 5
    local.clear_faults(endpoint)


def test_killed_model_server_is_restarted_and_logged(local, clients, model_url):
    name = host(clients, model_url, instances=1)
    runtime = local.client_spec.with_(max_attempts=20).client("sagemaker-runtime")
    _invoke(runtime, name)
    local.kill_model_server(name)
    answers = [json.loads(_invoke(runtime, name)["Body"].read()) for _ in range(5)]
    assert answers == [{"total": 6.0}] * 5
    logs = clients["logs"]
    stream = logs.describe_log_streams(logGroupName=f"/aws/sagemaker/Endpoints/{name}")[
        "logStreams"
    ][0]["logStreamName"]
    messages = [
        e["message"]
        for e in logs.get_log_events(
            logGroupName=f"/aws/sagemaker/Endpoints/{name}",
            logStreamName=stream,
            startFromHead=True,
        )["events"]
    ]
    assert any("exited with code -9; restarting (restart 1)" in m for m in messages)


def test_concurrent_requests_are_served_concurrently(local, clients, training_data):
    """Eight slow (1 s) requests at once: the model server sees several in flight together."""
    job = wait_job(clients, start_job(clients, training_data, image=ECHO_IMAGE))
    name = host(clients, job["ModelArtifacts"]["S3ModelArtifacts"], image=ECHO_IMAGE)
    runtime = local.client_spec.with_(max_attempts=1).client("sagemaker-runtime")
    runtime.meta.config.max_pool_connections  # noqa: B018 - the default pool holds 10
    threads = [
        threading.Thread(
            target=_invoke,
            args=(runtime, name, b"slow"),
            kwargs={"ContentType": "application/octet-stream"},
        )
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    peak = _invoke(runtime, name, b"peak", ContentType="application/octet-stream")["Body"].read()
    assert int(peak) >= 4


def test_command_line_image(local, clients, training_data, tmp_path):
    """A user's own container as a command line: ``<command> train`` / ``<command> serve``."""
    script = tmp_path / "algo.py"
    script.write_text(
        "import os, sys, json, http.server\n"
        "root = os.environ['SMSPARK_OPT_ML']\n"
        "if sys.argv[1] == 'train':\n"
        "    files = os.listdir(os.path.join(root, 'input/data/train'))\n"
        "    open(os.path.join(root, 'model/files.json'), 'w').write(json.dumps(files))\n"
        "else:\n"
        "    files = open(os.path.join(root, 'model/files.json')).read().encode()\n"
        "    class H(http.server.BaseHTTPRequestHandler):\n"
        "        def do_GET(self):\n"
        "            self.send_response(200); self.send_header('Content-Length', '0')\n"
        "            self.end_headers()\n"
        "        def do_POST(self):\n"
        "            self.rfile.read(int(self.headers['Content-Length']))\n"
        "            self.send_response(200); self.send_header('Content-Length', str(len(files)))\n"
        "            self.end_headers(); self.wfile.write(files)\n"
        "    port = int(os.environ['SAGEMAKER_BIND_TO_PORT'])\n"
        "    http.server.HTTPServer(('127.0.0.1', port), H).serve_forever()\n"
    )
    from smspark_core.plugins.specs import LocalImageSpec

    image = f"{unique('acct')}.dkr.ecr.us-east-1.amazonaws.com/mine:7"
    spec = LocalImageSpec(
        "mine", train=[sys.executable, str(script)], serve=[sys.executable, str(script)]
    )
    local.register_image(image, spec)
    job = wait_job(clients, start_job(clients, training_data, image=image))
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    name = host(clients, job["ModelArtifacts"]["S3ModelArtifacts"], image=image)
    answer = _invoke(clients["sagemaker-runtime"], name, b"x", ContentType="text/plain")
    assert json.loads(answer["Body"].read()) == ["part-00000.pbr"]


def test_proxy_uses_kept_alive_connections(local, clients, endpoint):
    started = time.perf_counter()
    for _ in range(20):
        _invoke(clients["sagemaker-runtime"], endpoint)
    assert time.perf_counter() >= started  # the real assertion: no connection errors above
    variant = local.api.endpoints[endpoint].first_variant()
    assert sum(i.connections.qsize() for i in variant.instances) >= 1


def test_model_environment_reaches_the_model_server(local, clients, training_data):
    job = wait_job(clients, start_job(clients, training_data, image=ECHO_IMAGE))
    name = host(clients, job["ModelArtifacts"]["S3ModelArtifacts"], image=ECHO_IMAGE)
    runtime = clients["sagemaker-runtime"]
    for variable, expected in (("A", b"1"), ("SAGEMAKER_BIND_TO_PORT", None)):
        answer = _invoke(runtime, name, f"env:{variable}".encode(), ContentType="text/plain")
        value = answer["Body"].read()
        assert value == expected if expected else value.isdigit()
