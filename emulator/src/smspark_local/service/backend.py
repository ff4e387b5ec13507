"""``LocalSageMaker``: SageMaker, S3 and STS on this machine's loopback, for boto3 unchanged.

    with LocalSageMaker() as sm:
        boto3.client("sagemaker").create_training_job(...)   # runs a local image

Entering points boto3 in this process at the backend through the standard settings
(``AWS_ENDPOINT_URL_SAGEMAKER``, ``…_SAGEMAKER_RUNTIME``, ``…_S3``, ``…_STS``, ``…_LOGS``)
with throwaway credentials, installs ``client_spec`` as the process's default client spec
(what stages given no ``clientSpec`` carry to executors, whose environment is the JVM's) and
registers the "sagemaker" format again with the active SparkSession so that it carries the
spec too; exit undoes all three. So a SparkSession started before the backend (a notebook's),
a cluster's executors and a Spark Connect server all reach it. Every child process is stopped
on exit, also when the code inside raised, and the children stop by themselves if this
process dies.

State lives in ``workdir`` (a temporary directory unless given). Reopening the same
directory resumes it: endpoints come back InService and S3 objects are restored.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3

from smspark_core.aws import ClientSpec, install_default_client_spec, remove_default_client_spec
from smspark_core.foundation.errors import SmsparkError
from smspark_core.plugins.specs import LocalImageSpec
from smspark_local.service.api import SageMakerApi
from smspark_local.service.faults import Faults, SpotInterruptions
from smspark_local.service.hosting import PING_TIMEOUT_S
from smspark_local.service.images import ImageResolver
from smspark_local.service.server import LocalServer

if TYPE_CHECKING:
    from moto.server import ThreadedMotoServer

LOCAL_CREDENTIALS = ("smspark-local", "smspark-local-secret", None)


class LocalBackendUnavailable(SmsparkError, ImportError):
    """What the local backend needs is not installed (its ``local`` extra)."""


class LocalSageMaker:
    """The embedded SageMaker backend (see the module docstring)."""

    def __init__(
        self,
        workdir: str | os.PathLike | None = None,
        *,
        region: str = "us-east-1",
        account: str = "123456789012",
        images: Mapping[str, LocalImageSpec] | None = None,
        ping_timeout: float = PING_TIMEOUT_S,
    ) -> None:
        self._temporary = workdir is None
        self.workdir = Path(workdir) if workdir else None
        self.region, self.account = region, account
        self.resolver = ImageResolver(images)
        self.ping_timeout = ping_timeout
        self._moto: ThreadedMotoServer | None = None
        self._server: LocalServer | None = None
        self.api: SageMakerApi | None = None
        self._saved_env: dict[str, str | None] = {}
        self._default_spec: ClientSpec | None = None

    # ------------------------------------------------------------------ start / stop

    def __enter__(self) -> LocalSageMaker:
        self.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def start(self) -> None:
        try:
            from moto.server import ThreadedMotoServer
        except ImportError as missing:
            raise LocalBackendUnavailable(
                f"the local SageMaker backend needs moto's server ({missing}), a dependency "
                "of smspark-local that is missing here: pip install 'moto[server]>=5.1,<6'"
            ) from missing

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request lines
        if self.workdir is None:
            self.workdir = Path(tempfile.mkdtemp(prefix="smspark-local-"))
        workdir = self.workdir
        workdir.mkdir(parents=True, exist_ok=True)
        moto = self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        moto.start()
        host, port = moto.get_host_and_port()
        self.s3_url = f"http://{host}:{port}"
        # moto keeps S3 and STS state per process, not per server: a backend started after
        # another in the same process would see its buckets. Each starts from its workdir.
        reset = urllib.request.Request(f"{self.s3_url}/moto-api/reset", method="POST")
        urllib.request.urlopen(reset, timeout=30).close()
        self._restore_s3(workdir)
        api = self.api = SageMakerApi(
            workdir, self._s3(), self.resolver, self.region, self.account, self.ping_timeout
        )
        server = self._server = LocalServer(api)
        server.start()
        api.start()
        self._point_environment()
        self._default_spec = self.client_spec
        install_default_client_spec(self._default_spec)
        _reregister_data_source()
        atexit.register(self.stop)

    def stop(self) -> None:
        """Stops jobs, model servers and servers; saves S3; restores the environment."""
        server, api, moto, workdir = self._server, self.api, self._moto, self.workdir
        if server is None:
            return
        # start() sets all four before the server.
        assert api is not None and moto is not None and workdir is not None
        atexit.unregister(self.stop)
        try:
            api.close()
            server.stop()
            self._save_s3(workdir)
        finally:
            moto.stop()
            self._server = None
            for key, value in self._saved_env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            self._saved_env = {}
            if self._default_spec is not None:
                remove_default_client_spec(self._default_spec)
                self._default_spec = None
                _reregister_data_source()
            if self._temporary:
                shutil.rmtree(workdir, ignore_errors=True)

    def _started(self) -> tuple[LocalServer, SageMakerApi]:
        if self._server is None or self.api is None:
            raise SmsparkError(
                "the local backend is not running: call start() or use `with LocalSageMaker():`"
            )
        return self._server, self.api

    # ------------------------------------------------------------------ configuration

    @property
    def url(self) -> str:
        """The SageMaker, SageMaker Runtime and CloudWatch Logs endpoint URL."""
        return self._started()[0].url

    @property
    def endpoint_urls(self) -> dict[str, str]:
        return {
            "sagemaker": self.url,
            "sagemaker-runtime": self.url,
            "logs": self.url,
            "cloudwatch": self.url,
            "s3": self.s3_url,
            "sts": self.s3_url,
        }

    @property
    def environment(self) -> dict[str, str]:
        """The settings that point boto3 here (what ``smspark local`` prints)."""
        return {
            "AWS_ENDPOINT_URL_SAGEMAKER": self.url,
            "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME": self.url,
            "AWS_ENDPOINT_URL_LOGS": self.url,
            # boto3 derives the variable from the service id "CloudWatch Logs".
            "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS": self.url,
            "AWS_ENDPOINT_URL_CLOUDWATCH": self.url,
            "AWS_ENDPOINT_URL_S3": self.s3_url,
            "AWS_ENDPOINT_URL_STS": self.s3_url,
            "AWS_ACCESS_KEY_ID": LOCAL_CREDENTIALS[0],
            "AWS_SECRET_ACCESS_KEY": LOCAL_CREDENTIALS[1],
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
        }

    @property
    def client_spec(self) -> ClientSpec:
        """A picklable spec that reaches this backend from any process (Spark executors)."""
        return ClientSpec(
            region=self.region,
            endpoint_urls=tuple(sorted(self.endpoint_urls.items())),
            credentials=LOCAL_CREDENTIALS,
        )

    def client(self, service: str) -> Any:
        return self.client_spec.client(service)

    def _point_environment(self) -> None:
        for key, value in self.environment.items():
            self._saved_env[key] = os.environ.get(key)
            os.environ[key] = value
        for key in ("AWS_SESSION_TOKEN", "AWS_PROFILE"):
            self._saved_env[key] = os.environ.pop(key, None)

    def _s3(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.s3_url,
            region_name=self.region,
            aws_access_key_id=LOCAL_CREDENTIALS[0],
            aws_secret_access_key=LOCAL_CREDENTIALS[1],
        )

    # ------------------------------------------------------------------ images and faults

    def register_image(self, uri_or_repository: str, spec: LocalImageSpec) -> None:
        """Uses ``spec`` for an image URI, or for every URI of a repository name."""
        self.resolver.register(uri_or_repository, spec)

    def set_faults(self, endpoint: str, **settings: Any) -> Faults:
        """Injects faults into an endpoint's invocations (see ``smspark_local.service.faults``),
        or, given a model name, into the requests of every transform job of that model."""
        api = self._started()[1]
        if endpoint not in api.endpoints and api.store.get("models", endpoint) is None:
            raise KeyError(f"no local endpoint or model named {endpoint!r}")
        api.faults[endpoint] = Faults(**settings)
        return api.faults[endpoint]

    def set_spot_interruptions(self, **settings: Any) -> SpotInterruptions:
        """Interrupts the managed spot training jobs created from now on (see
        ``smspark_local.service.faults.SpotInterruptions``; no settings: once each, after its
        first checkpoint upload). Jobs without EnableManagedSpotTraining are never
        interrupted."""
        api = self._started()[1]
        api.spot_interruptions = SpotInterruptions(**settings)
        return api.spot_interruptions

    def clear_spot_interruptions(self) -> None:
        self._started()[1].spot_interruptions = None

    def clear_faults(self, endpoint: str) -> None:
        self._started()[1].faults[endpoint] = Faults()

    def kill_model_server(self, endpoint: str, instance: int = 0) -> int:
        """Kills one model-server process of an endpoint (it is restarted); returns its pid."""
        return self._started()[1].endpoints[endpoint].first_variant().kill(instance)

    # ------------------------------------------------------------------ S3 persistence

    def _save_s3(self, workdir: Path) -> None:
        s3 = self._s3()
        target = workdir / "s3"
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        index = []
        for bucket in s3.list_buckets().get("Buckets", []):
            name = bucket["Name"]
            index.append({"bucket": name})
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name):
                for item in page.get("Contents", []):
                    file = hashlib.sha256(f"{name}/{item['Key']}".encode()).hexdigest()
                    s3.download_file(name, item["Key"], str(target / file))
                    index.append({"bucket": name, "key": item["Key"], "file": file})
        (target / "index.json").write_text(json.dumps(index))

    def _restore_s3(self, workdir: Path) -> None:
        index_file = workdir / "s3" / "index.json"
        if not index_file.exists():
            return
        s3 = self._s3()
        for entry in json.loads(index_file.read_text()):
            if "key" not in entry:
                s3.create_bucket(Bucket=entry["bucket"])
            else:
                s3.upload_file(str(workdir / "s3" / entry["file"]), entry["bucket"], entry["key"])


def _reregister_data_source() -> None:
    """Registers the "sagemaker" format with the active SparkSession (if Spark is in use)
    so that it carries the current default client spec."""
    if "pyspark.sql" not in sys.modules:
        return
    from pyspark.sql import SparkSession

    from smspark_core.datasource import register_data_source

    session = SparkSession.getActiveSession()
    if session is None:
        return
    try:
        register_data_source(session)
    except Exception as error:  # a session being stopped: nothing left to point anywhere
        logging.getLogger(__name__).info("format('sagemaker') not re-registered: %s", error)
