"""Shared fixtures: hermetic environment, one SparkSession per test session, a moto S3
server on loopback.

The environment is fixed before anything starts, so Spark's Python workers (which inherit
it from the JVM) see the same: no real AWS credentials or config files, throwaway keys, and
no installed plugins loaded unless a test asks for them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.update(
    {
        "SMSPARK_DISABLE_PLUGIN_AUTOLOAD": "1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
    }
)
for variable in [v for v in os.environ if v.startswith("AWS_ENDPOINT_URL") or v == "AWS_PROFILE"]:
    del os.environ[variable]

GOLDEN = Path(__file__).parent / "data" / "golden"


@pytest.fixture(scope="session")
def spark():
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("smspark-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.python.worker.reuse", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    from smspark_core import register_data_source

    register_data_source(session)
    yield session
    session.stop()


@pytest.fixture(scope="session")
def s3_endpoint():
    """A moto S3 server on 127.0.0.1 (a free port); yields its URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint):
    """A boto3 S3 client on the moto server and a fresh bucket name."""
    import uuid

    import boto3

    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    bucket = f"test-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    return client, bucket


@pytest.fixture(scope="session")
def connect_url(tmp_path_factory):
    """A Spark Connect server started from pyspark's jars on 127.0.0.1 (only when a test
    asks for it), with no AWS settings in its environment; stopped at the end.

    ``SMSPARK_TEST_CONNECT_URL`` names a running server instead: the thin client
    (``pyspark-client``) has no jars to start one."""
    if os.environ.get("SMSPARK_TEST_CONNECT_URL"):
        yield os.environ["SMSPARK_TEST_CONNECT_URL"]
        return
    from spark_processes import start_connect_server

    server, url = start_connect_server(tmp_path_factory.mktemp("connect") / "server.log")
    yield url
    server.stop()


@pytest.fixture(scope="module")
def connect_spark(connect_url):
    """A Spark Connect session for one module. pyspark marks the whole process as Connect
    (``SPARK_CONNECT_MODE_ENABLED``) while one exists; that mark is removed afterwards so the
    classic session's tests that follow see classic Spark again. The session is built with
    pyspark's Connect builder itself: the generic builder refuses to start one while the
    suite's classic session exists (``SESSION_ALREADY_EXIST``)."""
    from pyspark.sql.connect.session import SparkSession as ConnectSession

    from smspark_core import register_data_source

    os.environ["SPARK_CONNECT_MODE_ENABLED"] = "1"  # what pyspark sets for a Connect session
    session = ConnectSession.builder.remote(connect_url).getOrCreate()
    register_data_source(session)
    yield session
    session.stop()
    for variable in ("SPARK_CONNECT_MODE_ENABLED", "SPARK_REMOTE"):
        os.environ.pop(variable, None)
