"""Acceptance with the official SageMaker Python SDK v2 against ``smspark local``.

These tests run only where the SDK is importable: ``scripts/dev test-sagemaker-sdk`` makes a
venv of their own with it (the SDK is no dependency of smspark) and points
``SMSPARK_LOCAL_COMMAND`` at the ``smspark`` of the project's venv. The backend runs as the
user runs it, in another process, and the SDK reaches it only through the settings that
``smspark local`` prints. The SDK's telemetry is off (its ``TelemetryOptOut`` setting)."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import pytest

sagemaker = pytest.importorskip("sagemaker", reason="the SageMaker Python SDK is not installed")

ROLE = "arn:aws:iam::123456789012:role/smspark-sdk-test"
TELEMETRY_OFF = """SchemaVersion: '1.0'
SageMaker:
  PythonSDK:
    Modules:
      TelemetryOptOut: true
"""


@pytest.fixture(scope="session")
def backend():
    """``smspark local`` in a child process; yields its settings (already in os.environ)."""
    command = os.environ.get("SMSPARK_LOCAL_COMMAND", "smspark")
    workdir = Path(tempfile.mkdtemp(prefix="smspark-sdk-"))
    config = workdir / "sagemaker-config.yaml"
    config.write_text(TELEMETRY_OFF)
    # The backend loads the installed plugins' local images, as for a user.
    environment = {k: v for k, v in os.environ.items() if k != "SMSPARK_DISABLE_PLUGIN_AUTOLOAD"}
    process = subprocess.Popen(
        # Managed spot training jobs (only those) are interrupted once, to test resuming.
        [command, "local", "--workdir", str(workdir / "state"), "--spot-interruptions", "1"],
        stdout=subprocess.PIPE,
        text=True,
        env=environment,
    )
    settings = {}
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("export "):
            key, _, value = line[len("export ") :].strip().partition("=")
            settings[key] = value
        if line.startswith("# state:"):
            break
    else:
        raise RuntimeError(f"smspark local exited with code {process.wait()}")
    sdk_settings = ["SAGEMAKER_USER_CONFIG_OVERRIDE", "SAGEMAKER_SUPPRESS_V2_WARNING"]
    saved = {key: os.environ.get(key) for key in [*settings, *sdk_settings]}
    os.environ.update(settings)
    os.environ["SAGEMAKER_USER_CONFIG_OVERRIDE"] = str(config)
    os.environ["SAGEMAKER_SUPPRESS_V2_WARNING"] = "1"
    try:
        yield settings
    finally:
        process.terminate()
        process.wait(timeout=60)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def session(backend):
    import boto3

    # A named bucket: the SDK derives its default one from STS at sts.<region>.amazonaws.com,
    # an endpoint it fixes itself (AWS_ENDPOINT_URL_STS does not move it).
    return sagemaker.Session(
        boto_session=boto3.Session(region_name=backend["AWS_REGION"]),
        default_bucket="smspark-sdk-tests",
    )


@pytest.fixture(scope="session")
def role():
    return ROLE


@pytest.fixture(scope="session")
def backend_url(backend):
    return backend["AWS_ENDPOINT_URL_SAGEMAKER"]
