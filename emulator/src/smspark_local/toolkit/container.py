"""The child-process side of a local container (run by ``smspark_local.toolkit.run_container``).

The local backend runs every training job and model server through this runner, in a
directory laid out like ``/opt/ml`` (given as ``SMSPARK_OPT_ML``)::

    input/config/hyperparameters.json, inputdataconfig.json, resourceconfig.json
    input/data/<channel>/
    model/                  (training writes it; hosting reads the extracted artifact)
    output/failure          (why a training job failed)
    checkpoints/            (CheckpointConfig's default LocalPath, only when the job has one:
                            restored from and synced to its S3Uri)

A local image's targets are Python functions named ``"module:function"``:

* train: ``function(env: TrainingEnvironment) -> None``. An exception fails the job: its
  text goes to ``output/failure`` unless the function wrote one itself. Such an image
  trains on one host: on a job of several instances the function runs on the first host
  only (which sees its own share of a ``ShardedByS3Key`` channel), the others log that and
  end, and each says so in its log.
* serve: ``function(model_dir: pathlib.Path) -> handler``, where ``handler(body,
  content_type, accept)`` returns an ``InvocationResponse`` (or raises ``InvocationError``
  for a 4xx/5xx answer). The runner serves ``GET /ping`` and ``POST /invocations`` on
  127.0.0.1:``SAGEMAKER_BIND_TO_PORT``.

A command-line image is run as ``<command> train`` / ``<command> serve`` with the same
environment, on every host of a job (it reads ``resourceconfig.json`` to find its part).
Either way the runner exits when the backend that started it dies.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from smspark_core.foundation.errors import SmsparkError
from smspark_local.toolkit.multi_model import MULTI_MODEL_ENV, LoadedModels

OPT_ML_ENV = "SMSPARK_OPT_ML"
FAILURE_LIMIT = 1024


CUSTOM_ATTRIBUTES_HEADER = "X-Amzn-SageMaker-Custom-Attributes"
_request = threading.local()


@dataclass(frozen=True)
class InvocationResponse:
    """An answer; ``custom_attributes`` becomes the caller's CustomAttributes."""

    body: bytes
    content_type: str = "application/octet-stream"
    custom_attributes: str | None = None


def request_custom_attributes() -> str | None:
    """The CustomAttributes of the invocation a serve handler is answering (on its thread),
    as the service passes them to the container; None when the caller sent none."""
    return getattr(_request, "custom_attributes", None)


class InvocationError(SmsparkError):
    """A model server's error answer: ``status`` (4xx/5xx) and a message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class TrainingEnvironment:
    """What a training target gets: the job's paths and configuration."""

    root: Path
    hyperparameters: dict[str, str] = field(default_factory=dict)
    input_data_config: dict[str, dict[str, Any]] = field(default_factory=dict)
    resource_config: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path) -> TrainingEnvironment:
        config = root / "input" / "config"

        def read(name: str) -> dict:
            path = config / name
            return json.loads(path.read_text()) if path.exists() else {}

        return cls(
            root,
            read("hyperparameters.json"),
            read("inputdataconfig.json"),
            read("resourceconfig.json"),
        )

    @property
    def model_dir(self) -> Path:
        return self.root / "model"

    @property
    def output_dir(self) -> Path:
        return self.root / "output"

    @property
    def checkpoint_dir(self) -> Path | None:
        """``/opt/ml/checkpoints``, where an image saves state to resume from after a spot
        interruption; None when the job has no CheckpointConfig (nothing would keep it)."""
        directory = self.root / "checkpoints"
        return directory if directory.is_dir() else None

    def channel_dir(self, channel: str) -> Path:
        return self.root / "input" / "data" / channel

    def channel_files(self, channel: str) -> list[Path]:
        """The files of a channel, sorted, skipping hidden ones; [] when it is absent."""
        directory = self.channel_dir(channel)
        if not directory.is_dir():
            return []
        return sorted(p for p in directory.rglob("*") if p.is_file() and not p.name.startswith("."))

    def report_metric(self, name: str, value: float) -> None:
        """Reports a final metric (DescribeTrainingJob's FinalMetricDataList) and logs it."""
        path = self.output_dir / "metrics.json"
        metrics = json.loads(path.read_text()) if path.exists() else {}
        metrics[name] = float(value)
        path.write_text(json.dumps(metrics))
        print(f"#metric {name}={value}", flush=True)


def _resolve(target: str) -> Callable:
    module_name, _, attribute = target.partition(":")
    if not attribute:
        raise ValueError(f"a local image target must be 'module:function', got {target!r}")
    return getattr(importlib.import_module(module_name), attribute)


_children: list[subprocess.Popen] = []


def _terminate_children() -> None:
    for child in _children:
        if child.poll() is None:
            child.terminate()


def _watch_parent(parent: int) -> None:
    """Exits this process (and any command it runs) when the backend that started it is gone."""

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                _terminate_children()
                os._exit(1)
            time.sleep(0.5)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def _write_failure(root: Path, text: str) -> None:
    failure = root / "output" / "failure"
    if not failure.exists():
        failure.parent.mkdir(parents=True, exist_ok=True)
        failure.write_text(text[:FAILURE_LIMIT])


def train(target: str, root: Path) -> int:
    env = TrainingEnvironment.load(root)
    hosts = env.resource_config.get("hosts", [])
    current = env.resource_config.get("current_host")
    if len(hosts) > 1:
        if current != hosts[0]:
            print(
                f"{current}: this local image trains on one host; {hosts[0]} trains and writes "
                f"the model, {current} has nothing to do and ends",
                flush=True,
            )
            return 0
        print(
            f"{current}: this local image trains on one host of {len(hosts)}: this one, with "
            "its own share of any ShardedByS3Key channel",
            flush=True,
        )
    try:
        _resolve(target)(env)
    except BaseException as error:  # the job fails; the reason is what the user needs
        traceback.print_exc()
        _write_failure(root, f"{type(error).__name__}: {error}")
        return 1
    return 0


def _handler_class(
    predict: Callable | None, models: LoadedModels | None
) -> type[BaseHTTPRequestHandler]:
    """The model server's handler: ``/ping`` and ``/invocations`` with ``predict``, or
    SageMaker's multi-model API over ``models``."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Head and body are separate writes: without TCP_NODELAY, Nagle and delayed ACKs
        # add ~40 ms to every answer.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # access log off
            pass

        def _answer(
            self, status: int, body: bytes, content_type: str, attributes: str | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            if attributes is not None:
                self.send_header(CUSTOM_ATTRIBUTES_HEADER, attributes)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, document: Any) -> None:
            self._answer(status, json.dumps(document).encode(), "application/json")

        def _model_name(self) -> str | None:
            """``<name>`` of a ``/models/<name>`` path (multi-model API only)."""
            prefix = "/models/"
            if models is None or not self.path.startswith(prefix) or self.path == prefix:
                return None
            return self.path[len(prefix) :]

        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            name = self._model_name()
            if self.path == "/ping":
                self._answer(200, b"", "text/plain")
            elif models is not None and self.path == "/models":
                self._json(200, models.listing())
            elif models is not None and name is not None and models.describe(name):
                self._json(200, models.describe(name))
            else:
                self._answer(404, b"not found", "text/plain")

        def do_DELETE(self) -> None:  # noqa: N802
            name = self._model_name()
            if models is not None and name is not None and models.unload(name):
                self._answer(200, f"model {name} unloaded".encode(), "text/plain")
            else:
                self._answer(404, b"not found", "text/plain")

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            name = self._model_name()
            if predict is not None and self.path == "/invocations":
                self._predict(predict, body)
            elif models is not None and self.path == "/models":
                try:
                    document = json.loads(body or b"null")
                except ValueError:
                    document = None
                status, message = models.load(document)
                self._answer(status, message.encode(), "text/plain")
            elif models is not None and name is not None and name.endswith("/invoke"):
                loaded = name[: -len("/invoke")]
                handler = models.handler(loaded)
                if handler is None:
                    self._answer(404, f"model {loaded} is not loaded".encode(), "text/plain")
                else:
                    self._predict(handler, body)
            else:
                self._answer(404, b"not found", "text/plain")

        def _predict(self, handler: Callable, body: bytes) -> None:
            _request.custom_attributes = self.headers.get(CUSTOM_ATTRIBUTES_HEADER)
            try:
                response = handler(
                    body,
                    self.headers.get("Content-Type", "application/octet-stream"),
                    self.headers.get("Accept", "*/*"),
                )
            except InvocationError as error:
                self._answer(error.status, error.message.encode(), "text/plain")
                return
            except Exception as error:
                traceback.print_exc()
                self._answer(500, f"{type(error).__name__}: {error}".encode(), "text/plain")
                return
            self._answer(200, response.body, response.content_type, response.custom_attributes)

    return Handler


def serve(target: str, root: Path) -> int:
    """Serves one model (``/opt/ml/model``), or, on a multi-model endpoint, the models
    SageMaker loads through the multi-model API."""
    factory = _resolve(target)
    multi = os.environ.get(MULTI_MODEL_ENV) == "true"
    models = LoadedModels(factory) if multi else None
    predict = None if multi else factory(root / "model")
    port = int(os.environ.get("SAGEMAKER_BIND_TO_PORT", "8080"))
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler_class(predict, models))
    server.daemon_threads = True
    kind = "multi-model server" if multi else "model server"
    print(f"{kind} listening on 127.0.0.1:{port}", flush=True)
    server.serve_forever()
    return 0


def run_command(command: list[str]) -> int:
    """Runs a command-line image; SIGTERM (StopTrainingJob) is passed on to it."""
    child = subprocess.Popen(command)
    _children.append(child)
    signal.signal(signal.SIGTERM, lambda *_: _terminate_children())
    return child.wait()


def main(argv: list[str]) -> int:
    """``container <train|serve> <module:function>`` or ``container <train|serve> -- cmd...``."""
    mode, *rest = argv
    _watch_parent(int(os.environ.get("SMSPARK_PARENT_PID", os.getppid())))
    root = Path(os.environ[OPT_ML_ENV])
    if rest and rest[0] == "--":
        return run_command([*rest[1:], mode])
    if mode == "train":
        return train(rest[0], root)
    if mode == "serve":
        return serve(rest[0], root)
    raise SystemExit(f"unknown container mode {mode!r}: expected train or serve")
