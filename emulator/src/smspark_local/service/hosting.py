"""Local endpoints: each production variant's model runs as InitialInstanceCount model-server
processes on free loopback ports; invocations are proxied round-robin over kept-alive
connections. A crashed server is restarted and the endpoint's log says so. With a capacity
model (``instance_capacity`` in ``smspark_local.service.faults``) each instance serves at
most that many requests at once and queues the rest. A multi-model variant's requests go to
the model its TargetModel names (``smspark_local.service.multi_model``)."""

from __future__ import annotations

import http.client
import itertools
import json
import queue
import random
import shutil
import socket
import subprocess
import tarfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smspark_core.aws.resources import split_s3_uri
from smspark_core.foundation.errors import SmsparkError
from smspark_core.plugins.specs import LocalImageSpec
from smspark_local.service import images
from smspark_local.service.logs import LogStore, endpoint_group
from smspark_local.service.multi_model import TARGET_MODEL_HEADER, ModelArchives, is_multi_model
from smspark_local.toolkit.multi_model import MULTI_MODEL_ENV

PING_TIMEOUT_S = 240.0  # SageMaker gives a container 4 minutes to pass /ping
INVOCATION_TIMEOUT_S = 60.0
CUSTOM_ATTRIBUTES_HEADER = "X-Amzn-SageMaker-Custom-Attributes"


class HostingFailed(SmsparkError):
    """Endpoint creation failed; the message is the endpoint's FailureReason."""


class ModelServerUnavailable(SmsparkError):
    """No model server of the endpoint answered (all crashed or restarting)."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def safe_extract(archive: Path, destination: Path) -> None:
    """Extracts a model.tar.gz from outside without letting it write outside ``destination``
    (tarfile's "data" filter refuses absolute paths, ``..``, links out and device files)."""
    destination.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(archive, "r:*") as tar:
            tar.extractall(destination, filter="data")
    except (tarfile.TarError, OSError) as error:
        raise HostingFailed(f"ClientError: cannot extract the model archive: {error}") from None


def fetch_model_data(url: str | None, root: Path, s3: Any) -> None:
    """Downloads a model's ``ModelDataUrl`` archive and extracts it safely into
    ``root/model`` (an empty directory for a model without data)."""
    model_dir = root / "model"
    if not url:
        model_dir.mkdir(parents=True, exist_ok=True)
        return
    bucket, key = split_s3_uri(url)
    root.mkdir(parents=True, exist_ok=True)
    archive = root / "model.tar.gz"
    try:
        s3.download_file(bucket, key, str(archive))
    except Exception as error:
        raise HostingFailed(f"ClientError: cannot download the model data {url}: {error}") from None
    safe_extract(archive, model_dir)
    archive.unlink()


@dataclass
class Instance:
    """One model-server process of a variant."""

    instance_id: str
    port: int
    process: subprocess.Popen | None = None
    connections: queue.SimpleQueue = field(default_factory=queue.SimpleQueue)
    restarts: int = 0
    slots: tuple[int, threading.Semaphore] | None = None  # (capacity, its places)
    loaded: set[str] = field(default_factory=set)  # multi-model: the model names it loaded
    _slots_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @contextmanager
    def serving(self, capacity: int, service_seconds: float) -> Iterator[None]:
        """Holds one of ``capacity`` places (waiting for one, as a busy instance's queue
        does) for the request's service time and its forwarding; no limit when 0."""
        if not capacity:
            yield
            return
        with self._slots_lock:
            if self.slots is None or self.slots[0] != capacity:
                self.slots = (capacity, threading.Semaphore(capacity))
            places = self.slots[1]
        with places:
            if service_seconds:
                time.sleep(service_seconds)
            yield

    def connection(self) -> http.client.HTTPConnection:
        try:
            return self.connections.get_nowait()
        except queue.Empty:
            connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=INVOCATION_TIMEOUT_S
            )
            connection.connect()
            connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return connection

    def release(self, connection: http.client.HTTPConnection) -> None:
        self.connections.put(connection)

    def drop_connections(self) -> None:
        while True:
            try:
                self.connections.get_nowait().close()
            except queue.Empty:
                return


class Variant:
    """A production variant's model servers."""

    def __init__(
        self,
        endpoint: str,
        name: str,
        spec: LocalImageSpec,
        root: Path,
        environment: dict,
        count: int,
        logs: LogStore,
        log_group: str | None = None,
    ) -> None:
        self.endpoint, self.name, self.spec, self.root = endpoint, name, spec, root
        self.environment, self.logs = environment, logs
        # Endpoints log under /aws/sagemaker/Endpoints/<name>; transform jobs pass their group.
        self.log_group = log_group or endpoint_group(endpoint)
        self.instances = [Instance(f"i-{uuid.uuid4().hex[:17]}", free_port()) for _ in range(count)]
        self._next = itertools.count()
        self._lock = threading.Lock()
        self.stopping = False
        self.in_flight = 0  # invocations being answered (an update drains them first)
        self.archives: ModelArchives | None = None  # a multi-model variant's TargetModels

    def _log(self, instance: Instance, message: str) -> None:
        self.logs.append(self.log_group, f"{self.name}/{instance.instance_id}", message)

    def launch(self, instance: Instance) -> None:
        if self.stopping:  # deleted while it was being created: start nothing more
            raise HostingFailed(f"ClientError: variant {self.name} was stopped while starting")
        instance.loaded = set()  # a new process has loaded nothing yet
        instance.process = images.spawn(
            self.spec,
            "serve",
            self.root,
            {**self.environment, "SAGEMAKER_BIND_TO_PORT": str(instance.port)},
        )
        threading.Thread(target=self._pump, args=(instance, instance.process), daemon=True).start()

    def _pump(self, instance: Instance, process: subprocess.Popen) -> None:
        assert process.stdout is not None  # images.spawn pipes stdout
        for line in process.stdout:
            self._log(instance, line)

    def wait_ready(self, instance: Instance, timeout: float) -> None:
        process = instance.process
        assert process is not None  # called right after launch(instance)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if process.poll() is not None:
                raise HostingFailed(
                    f"ClientError: the model server of variant {self.name} exited with code "
                    f"{process.returncode} before passing /ping; see the endpoint's logs"
                )
            try:
                connection = http.client.HTTPConnection("127.0.0.1", instance.port, timeout=2)
                connection.request("GET", "/ping")
                if connection.getresponse().status == 200:
                    connection.close()
                    return
                connection.close()
            except OSError:
                pass
            time.sleep(0.05)
        raise HostingFailed(
            f"ClientError: the model server of variant {self.name} did not pass the /ping "
            f"health check within {timeout:.0f} seconds"
        )

    def start(self, ping_timeout: float) -> None:
        for instance in self.instances:
            self.launch(instance)
        for instance in self.instances:
            self.wait_ready(instance, ping_timeout)
            self._log(
                instance,
                f"model server {instance.instance_id} passed /ping on port {instance.port}",
            )

    def supervise(self, ping_timeout: float) -> None:
        """Restarts instances whose process died (called periodically)."""
        for instance in self.instances:
            process = instance.process
            if self.stopping or process is None or process.poll() is None:
                continue
            instance.drop_connections()
            instance.restarts += 1
            self._log(
                instance,
                f"model server {instance.instance_id} exited with code {process.returncode}; "
                f"restarting (restart {instance.restarts})",
            )
            try:
                self.launch(instance)
                self.wait_ready(instance, ping_timeout)
            except HostingFailed as error:
                self._log(instance, str(error))

    def invoke(
        self,
        body: bytes,
        headers: dict[str, str],
        timeout: float | None = None,
        capacity: int = 0,
        service_seconds: float = 0.0,
        target_model: str | None = None,
    ) -> tuple[int, bytes, str, str | None]:
        """Forwards one invocation; tries each instance once before giving up. ``timeout``
        (seconds) replaces the default read timeout for this request; ``capacity`` and
        ``service_seconds`` are the capacity model's (``Instance.serving``);
        ``target_model`` is a multi-model variant's TargetModel. The answer: status, body,
        content type and the container's custom attributes header (or None)."""
        with self._lock:
            self.in_flight += 1
        try:
            path, load = "/invocations", None
            if target_model is not None:
                assert self.archives is not None  # the API checks that it is multi-model
                name, model_dir = self.archives.fetch(target_model)
                headers = {**headers, TARGET_MODEL_HEADER: target_model}
                path, load = f"/models/{name}/invoke", (name, model_dir, target_model)
            return self._forward(path, body, headers, timeout, capacity, service_seconds, load)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _load(
        self,
        instance: Instance,
        connection: http.client.HTTPConnection,
        load: tuple[str, Path, str],
    ) -> tuple[int, bytes, str, str | None] | None:
        """Loads a TargetModel into an instance that has not loaded it (the multi-model
        API's ``POST /models``); the container's answer when it failed, else None."""
        name, model_dir, target = load
        if name in instance.loaded:
            return None
        document = json.dumps({"model_name": name, "url": str(model_dir)}).encode()
        connection.request(
            "POST",
            "/models",
            body=document,
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                TARGET_MODEL_HEADER: target,
            },
        )
        response = connection.getresponse()
        payload = response.read()
        if response.status not in (200, 409):  # 409: loaded already
            content_type = response.getheader("Content-Type", "text/plain")
            return response.status, payload, content_type, None
        instance.loaded.add(name)
        self._log(instance, f"loaded TargetModel {target} as {name}")
        return None

    def _forward(
        self,
        path: str,
        body: bytes,
        headers: dict[str, str],
        timeout: float | None,
        capacity: int,
        service_seconds: float,
        load: tuple[str, Path, str] | None = None,
    ) -> tuple[int, bytes, str, str | None]:
        instances = list(self.instances)  # a resize may change the list meanwhile
        for _ in range(len(instances)):
            with self._lock:
                instance = instances[next(self._next) % len(instances)]
            if instance.process is None or instance.process.poll() is not None:
                continue
            connection = None
            try:
                with instance.serving(capacity, service_seconds):
                    connection = instance.connection()
                    connection.sock.settimeout(timeout or INVOCATION_TIMEOUT_S)
                    failed = self._load(instance, connection, load) if load else None
                    if failed is not None:
                        instance.release(connection)
                        return failed
                    connection.request("POST", path, body=body, headers=headers)
                    response = connection.getresponse()
                    payload = response.read()
            except (OSError, http.client.HTTPException):
                # A stale kept-alive connection to a restarted server, or a refused connect
                # while it starts: try the next instance.
                if connection is not None:
                    connection.close()
                continue
            content_type = response.getheader("Content-Type", "application/octet-stream")
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
            else:
                instance.release(connection)
            attributes = response.getheader(CUSTOM_ATTRIBUTES_HEADER)
            return response.status, payload, content_type, attributes
        raise ModelServerUnavailable(f"no model server of variant {self.name} is answering")

    def resize(self, count: int, ping_timeout: float) -> None:
        """UpdateEndpointWeightsAndCapacities: starts instances up to ``count`` (taking
        requests once they pass /ping), or stops the newest ones beyond it."""
        added = [
            Instance(f"i-{uuid.uuid4().hex[:17]}", free_port())
            for _ in range(count - len(self.instances))
        ]
        for instance in added:
            self.launch(instance)
        for instance in added:
            self.wait_ready(instance, ping_timeout)
        removed = self.instances[count:]
        self.instances = self.instances[:count] + added
        self._halt(removed)

    def stop(self) -> None:
        self.stopping = True
        self._halt(self.instances)

    @staticmethod
    def _halt(instances: list[Instance]) -> None:
        for instance in instances:
            instance.drop_connections()
            if instance.process is not None and instance.process.poll() is None:
                instance.process.terminate()
        for instance in instances:
            if instance.process is not None:
                try:
                    instance.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    instance.process.kill()

    def kill(self, index: int) -> int:
        """Kills one model-server process (fault injection); returns its pid."""
        process = self.instances[index].process
        if process is None:
            raise SmsparkError(f"instance {index} of variant {self.name} has no model server")
        process.kill()
        process.wait()
        return process.pid


class Endpoint:
    """A local endpoint: its variants, started from its endpoint config's models, and the
    weights that split its traffic (drawn from a generator seeded with ``seed``, so that a
    test sees the same split every run)."""

    def __init__(self, name: str, root: Path, seed: int | None = 0) -> None:
        self.name, self.root = name, root
        self.variants: dict[str, Variant] = {}
        self.weights: dict[str, float] = {}
        self.serverless: dict[str, bool] = {}  # by variant: its payloads are limited to 4 MB
        self.stopping = False
        self._random = random.Random(seed)
        self._random_lock = threading.Lock()

    def create(
        self,
        config: dict[str, Any],
        models: dict[str, dict],
        resolver: images.ImageResolver,
        s3: Any,
        logs: LogStore,
        ping_timeout: float,
    ) -> None:
        for variant in config["ProductionVariants"]:
            if self.stopping:
                raise HostingFailed("ClientError: the endpoint was deleted while it was created")
            model = models[variant["ModelName"]]
            container = model.get("PrimaryContainer") or model["Containers"][0]
            try:
                spec = resolver.resolve(container["Image"])
            except LookupError as error:
                raise HostingFailed(f"ClientError: {error}") from None
            variant_root = self.root / variant["VariantName"]
            multi = is_multi_model(container)
            environment = dict(container.get("Environment", {}))
            if multi:  # the models are fetched by TargetModel, when asked for
                (variant_root / "model").mkdir(parents=True, exist_ok=True)
                environment[MULTI_MODEL_ENV] = "true"
            elif not (variant_root / "model").exists():
                fetch_model_data(container.get("ModelDataUrl"), variant_root, s3)
            hosted = Variant(
                self.name,
                variant["VariantName"],
                spec,
                variant_root,
                environment,
                int(variant.get("InitialInstanceCount", 1)),
                logs,
            )
            if multi:
                hosted.archives = ModelArchives(
                    container.get("ModelDataUrl", ""), variant_root / "models", s3, safe_extract
                )
            self.variants[variant["VariantName"]] = hosted
            self.weights[variant["VariantName"]] = float(variant.get("InitialVariantWeight", 1.0))
            self.serverless[variant["VariantName"]] = bool(variant.get("ServerlessConfig"))
            hosted.start(ping_timeout)

    def first_variant(self) -> Variant:
        return next(iter(self.variants.values()))

    def pick_variant(self) -> Variant:
        """The variant a request without TargetVariant goes to: drawn in proportion to the
        variants' weights, as the service splits traffic (all weights 0: the first)."""
        names = list(self.variants)
        weights = [max(self.weights.get(n, 1.0), 0.0) for n in names]
        if sum(weights) <= 0:
            return self.variants[names[0]]
        with self._random_lock:
            chosen = self._random.choices(names, weights)[0]
        return self.variants[chosen]

    def drain(self, timeout: float = INVOCATION_TIMEOUT_S) -> None:
        """Waits until no invocation is being answered (or ``timeout`` passes): an updated
        endpoint's old servers finish what they were sent before they stop."""
        deadline = time.time() + timeout
        while any(v.in_flight for v in self.variants.values()) and time.time() < deadline:
            time.sleep(0.01)

    def stop(self) -> None:
        self.stopping = True
        for variant in list(self.variants.values()):
            variant.stop()

    def remove_files(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
