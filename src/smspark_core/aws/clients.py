"""A small picklable description of how to reach AWS, from which each process (the driver
and every executor) builds and caches its own boto3 clients.

Standard boto3 configuration works unchanged (``AWS_ENDPOINT_URL_<SERVICE>``, profiles,
``~/.aws/config``). ``ClientSpec.from_environment()`` captures the driver's endpoint and
region settings so that executors, whose environment may differ, reach the same place.
Credentials are never captured from the environment; they are carried only when given
explicitly (the local backend's throwaway keys), and never printed. Without them, every
process (each executor) uses boto3's standard credential chain, such as an instance profile.

:func:`default_client_spec` is what a stage uses when it is given no ``clientSpec``: the spec
installed with :func:`use_default_client_spec` (``LocalSageMaker`` installs its own while it
runs, so executors reach it whatever their environment), else ``from_environment()``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from typing import Any

import boto3
from botocore.config import Config

_SERVICE_ENV = {
    "s3": ("AWS_ENDPOINT_URL_S3",),
    "sagemaker": ("AWS_ENDPOINT_URL_SAGEMAKER",),
    "sagemaker-runtime": ("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME",),
    "sts": ("AWS_ENDPOINT_URL_STS",),
    # boto3's own name (from the service id "CloudWatch Logs"), then the short form.
    "logs": ("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "AWS_ENDPOINT_URL_LOGS"),
}


@dataclass(frozen=True)
class ClientSpec:
    """Region, profile, per-service endpoint URLs, retry settings and optional credentials.

    ``max_attempts`` is the total number of attempts of a call, the first included (botocore's
    ``total_max_attempts``, standard retry mode); 1 means no retries.
    """

    region: str | None = None
    profile: str | None = None
    endpoint_urls: tuple[tuple[str, str], ...] = ()
    max_attempts: int = 10
    read_timeout: float | None = None  # botocore's default (60 s) when None
    credentials: tuple[str, str, str | None] | None = field(default=None, repr=False)

    @classmethod
    def from_environment(cls, **overrides: Any) -> ClientSpec:
        """The settings this process would use, made explicit so they can travel."""
        urls = {}
        shared = os.environ.get("AWS_ENDPOINT_URL")
        for service, variables in _SERVICE_ENV.items():
            url = next((os.environ[v] for v in variables if os.environ.get(v)), shared)
            if url:
                urls[service] = url
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        spec = cls(
            region=region,
            profile=os.environ.get("AWS_PROFILE"),
            endpoint_urls=tuple(sorted(urls.items())),
        )
        return spec.with_(**overrides) if overrides else spec

    def with_(self, **changes: Any) -> ClientSpec:
        values = {**self.__dict__, **changes}
        if isinstance(values["endpoint_urls"], dict):
            values["endpoint_urls"] = tuple(sorted(values["endpoint_urls"].items()))
        return type(self)(**values)

    def endpoint_url(self, service: str) -> str | None:
        return dict(self.endpoint_urls).get(service)

    def client(self, service: str) -> Any:
        """A boto3 client for ``service``, cached per process and per spec."""
        key = (self, service)
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = self._session().client(
                    service,
                    endpoint_url=self.endpoint_url(service),
                    config=Config(
                        retries={"total_max_attempts": self.max_attempts, "mode": "standard"},
                        **({"read_timeout": self.read_timeout} if self.read_timeout else {}),
                    ),
                )
                _clients[key] = client
            return client

    def _session(self) -> boto3.Session:
        kwargs: dict[str, Any] = {"region_name": self.region, "profile_name": self.profile}
        if self.credentials:
            key_id, secret, token = self.credentials
            kwargs.update(
                aws_access_key_id=key_id, aws_secret_access_key=secret, aws_session_token=token
            )
        return boto3.Session(**kwargs)


@dataclass(frozen=True)
class DriverClientSpec(ClientSpec):
    """A ``ClientSpec`` that answers with clients the user gave, in the process that holds
    them: the original's ``s3Client`` and ``stsClient``, which it used on the driver only (for
    the staging bucket, the account lookup and removing staged data). Pickled to an executor
    it is the plain spec, since a boto3 client cannot travel."""

    given: tuple[tuple[str, Any], ...] = field(default=(), compare=False, repr=False)

    def client(self, service: str) -> Any:
        for name, client in self.given:
            if name == service:
                return client
        return super().client(service)

    def __reduce__(self) -> tuple[Any, ...]:
        return (ClientSpec, tuple(getattr(self, f.name) for f in fields(ClientSpec)))


def with_driver_clients(spec: ClientSpec, **clients: Any) -> ClientSpec:
    """``spec`` answering with the given clients (``s3=...``, ``sts=...``; None ones are left
    out) in this process."""
    given = tuple((service, client) for service, client in clients.items() if client is not None)
    if not given:
        return spec
    values = {f.name: getattr(spec, f.name) for f in fields(ClientSpec)}
    return DriverClientSpec(**values, given=given)


class SageMakerClients:
    """The original's client factories, on boto3: the default configuration chain of this
    process (environment, profiles, instance metadata), as the AWS SDK's ``defaultClient``
    was."""

    @classmethod
    def create_s3_default_client(cls) -> Any:
        return ClientSpec.from_environment().client("s3")

    @classmethod
    def create_sts_default_client(cls) -> Any:
        return ClientSpec.from_environment().client("sts")

    @classmethod
    def create_sagemaker_client(cls) -> Any:
        return ClientSpec.from_environment().client("sagemaker")


_lock = threading.Lock()
_clients: dict[tuple[ClientSpec, str], Any] = {}


_default: list[ClientSpec] = []


def default_client_spec() -> ClientSpec:
    """The spec of stages and data source writes given none: the one installed by
    :func:`use_default_client_spec` (innermost first), else this process's environment."""
    return _default[-1] if _default else ClientSpec.from_environment()


def explicit_default_client_spec() -> ClientSpec | None:
    """The installed default spec, or None when only the environment decides."""
    return _default[-1] if _default else None


@contextmanager
def use_default_client_spec(spec: ClientSpec) -> Iterator[ClientSpec]:
    """Makes ``spec`` the default of this process inside the block (nested blocks stack)."""
    install_default_client_spec(spec)
    try:
        yield spec
    finally:
        remove_default_client_spec(spec)


def install_default_client_spec(spec: ClientSpec) -> None:
    _default.append(spec)


def remove_default_client_spec(spec: ClientSpec) -> None:
    """Removes ``spec`` (the latest installed copy of it) from the defaults."""
    for index in range(len(_default) - 1, -1, -1):
        if _default[index] is spec:
            del _default[index]
            return
