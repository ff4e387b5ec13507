"""Local containers get the environment the SageMaker contract gives them (the model's or
job's Environment, the platform's variables, what Python needs) and nothing of the user's
shell or the backend's credentials."""

from __future__ import annotations

import io
import json
import os
import sys
import tarfile

import pytest
from local_helpers import FAST, ROLE, host, start_job, unique, wait_job

from smspark_core.plugins.specs import LocalImageSpec

# Command-line images (run as ``<command> train`` / ``<command> serve``) that report their
# environment: training writes it into the model, the server answers it to every request.
TRAIN = (
    "import json, os; "
    "open(os.path.join(os.environ['SMSPARK_OPT_ML'], 'model', 'env.json'), 'w')"
    ".write(json.dumps(dict(os.environ)))"
)
SERVE = """
import json, os
from http.server import BaseHTTPRequestHandler, HTTPServer

class Handler(BaseHTTPRequestHandler):
    def _answer(self, body):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self._answer(b"")

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer(json.dumps(dict(os.environ)).encode())

HTTPServer(("127.0.0.1", int(os.environ["SAGEMAKER_BIND_TO_PORT"])), Handler).serve_forever()
"""
IMAGE = "local/env-reporter:1"


@pytest.fixture(scope="module")
def reporter(local):
    local.register_image(
        IMAGE,
        LocalImageSpec("env-reporter", train=[sys.executable, "-c", TRAIN],
                       serve=[sys.executable, "-c", SERVE]),
    )  # fmt: skip


@pytest.fixture
def shell_secret(monkeypatch):
    monkeypatch.setenv("MY_SHELL_SECRET", "do-not-pass")


def _assert_contract_only(env: dict[str, str], local) -> None:
    assert "MY_SHELL_SECRET" not in env
    leaked = sorted(k for k in env if k.startswith("AWS_"))
    assert leaked == [], leaked
    assert local.environment["AWS_SECRET_ACCESS_KEY"] not in env.values()
    assert env["PATH"] == os.environ["PATH"]


def test_a_training_container_gets_the_job_environment_only(
    local, clients, training_data, reporter, shell_secret
):
    name = unique("envjob")
    clients["sagemaker"].create_training_job(
        TrainingJobName=name,
        RoleArn=ROLE,
        AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        InputDataConfig=[
            {
                "ChannelName": "train",
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": f"s3://{training_data}/train",
                        "S3DataDistributionType": "FullyReplicated",
                    }
                },
            }
        ],
        OutputDataConfig={"S3OutputPath": f"s3://{training_data}/env"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
        StoppingCondition={"MaxRuntimeInSeconds": 60},
        Environment={"JOB_SETTING": "7"},
    )
    job = wait_job(clients, name)
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    bucket, key = job["ModelArtifacts"]["S3ModelArtifacts"][len("s3://") :].split("/", 1)
    archive = clients["s3"].get_object(Bucket=bucket, Key=key)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        env = json.loads(tar.extractfile("env.json").read())
    _assert_contract_only(env, local)
    assert env["JOB_SETTING"] == "7"
    assert env["TRAINING_JOB_NAME"] == name
    assert env["TRAINING_JOB_ARN"] == job["TrainingJobArn"]


def test_a_model_server_gets_the_model_environment_only(
    local, clients, training_data, reporter, shell_secret
):
    job = wait_job(clients, start_job(clients, training_data))
    endpoint = host(clients, job["ModelArtifacts"]["S3ModelArtifacts"], image=IMAGE)
    try:
        answer = clients["sagemaker-runtime"].invoke_endpoint(
            EndpointName=endpoint, Body=b"x", ContentType="text/plain"
        )
        env = json.loads(answer["Body"].read())
    finally:
        sagemaker = clients["sagemaker"]
        sagemaker.delete_endpoint(EndpointName=endpoint)
        sagemaker.get_waiter("endpoint_deleted").wait(EndpointName=endpoint, WaiterConfig=FAST)
        sagemaker.delete_endpoint_config(EndpointConfigName=endpoint)
        sagemaker.delete_model(ModelName=endpoint)
    _assert_contract_only(env, local)
    assert env["A"] == "1"  # the model's Environment (conftest.host)
    assert env["SAGEMAKER_BIND_TO_PORT"].isdigit()
