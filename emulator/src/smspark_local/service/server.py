"""The loopback HTTP server: SageMaker's control plane (AWS JSON 1.1, ``X-Amz-Target:
SageMaker.<Op>``), CloudWatch Logs (``Logs_20140328.<Op>``), the runtime
(``POST /endpoints/<name>/invocations``, REST-JSON errors), CloudWatch's training metrics
(Smithy RPC v2 CBOR, or AWS JSON 1.0 ``GraniteServiceVersion20100801.<Op>``) and a small
admin API for fault injection (``POST /_smspark/faults/<endpoint>``)."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

import cbor2

from smspark_core.foundation.media_types import JSON
from smspark_local.service.api import SageMakerApi
from smspark_local.service.errors import ApiError
from smspark_local.service.faults import Faults

JSON_11 = "application/x-amz-json-1.1"
CLOUDWATCH_SERVICE = "GraniteServiceVersion20100801"
CLOUDWATCH_CBOR_PATH = f"/service/{CLOUDWATCH_SERVICE}/operation/"
# InvokeEndpoint's optional fields, as botocore's model puts them in headers.
RUNTIME_HEADERS = {
    "TargetVariant": "X-Amzn-SageMaker-Target-Variant",
    "TargetModel": "X-Amzn-SageMaker-Target-Model",
    "TargetContainerHostname": "X-Amzn-SageMaker-Target-Container-Hostname",
    "InferenceId": "X-Amzn-SageMaker-Inference-Id",
    "InferenceComponentName": "X-Amzn-SageMaker-Inference-Component",
    "CustomAttributes": "X-Amzn-SageMaker-Custom-Attributes",
    "EnableExplanations": "X-Amzn-SageMaker-Enable-Explanations",
    "SessionId": "X-Amzn-SageMaker-Session-Id",
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Head and body are separate writes: without TCP_NODELAY, Nagle and delayed ACKs
    # add ~40 ms to every answer.
    disable_nagle_algorithm = True
    api: SageMakerApi  # set on the subclass made by LocalServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        # Every answer of the service carries one (botocore reads it as the RequestId).
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, document: dict, content_type: str = JSON_11) -> None:
        encoded = json.dumps(document, default=_epoch_seconds).encode()
        self._send(status, encoded, {"Content-Type": content_type})

    def _json_error(self, error: ApiError) -> None:
        self._json(error.status, {"__type": error.code, "message": error.message})

    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/_smspark/health":
            self._json(200, {"status": "ok"}, JSON)
        else:
            self._json(404, {"message": f"no such path {self.path}"}, JSON)

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        target = self.headers.get("X-Amz-Target", "")
        try:
            if self.path.startswith("/endpoints/") and self.path.endswith("/invocations"):
                self._invoke(unquote(self.path[len("/endpoints/") : -len("/invocations")]), body)
            elif target.startswith("SageMaker."):
                self._operation(self.api.operations(), target.split(".", 1)[1], body)
            elif target.startswith("Logs_20140328."):
                logs = {
                    "GetLogEvents": self.api.logs.get_log_events,
                    "DescribeLogStreams": self.api.logs.describe_log_streams,
                    "DescribeLogGroups": self.api.logs.describe_log_groups,
                    "FilterLogEvents": self.api.logs.filter_log_events,
                }
                self._operation(logs, target.split(".", 1)[1], body)
            elif self.path.startswith(CLOUDWATCH_CBOR_PATH):
                self._cbor_operation(self.path[len(CLOUDWATCH_CBOR_PATH) :], body)
            elif target.startswith(f"{CLOUDWATCH_SERVICE}."):
                operations = self.api.cloudwatch.operations()
                self._operation(operations, target.split(".", 1)[1], body)
            elif self.path.startswith("/_smspark/faults/"):
                self._set_faults(unquote(self.path[len("/_smspark/faults/") :]), body)
            else:
                raise ApiError(
                    "UnknownOperationException", f"unknown request {target or self.path}"
                )
        except ApiError as error:
            self._json_error(error)
        except Exception as error:  # a bug must still get an answer, not a dropped connection
            self._json_error(ApiError("InternalFailure", f"{type(error).__name__}: {error}", 500))

    def _operation(self, operations: dict, name: str, body: bytes) -> None:
        if name not in operations:
            raise ApiError(
                "UnknownOperationException", f"operation {name} is not supported locally"
            )
        try:
            request = json.loads(body or b"{}")
        except json.JSONDecodeError:
            raise ApiError("SerializationException", "the request body is not JSON") from None
        try:
            result = operations[name](request)
        except ApiError:
            raise
        except Exception as error:  # a bug here must still answer like the service
            raise ApiError("InternalFailure", f"{type(error).__name__}: {error}", 500) from None
        self._json(200, result)

    def _cbor_operation(self, name: str, body: bytes) -> None:
        """CloudWatch in the Smithy RPC v2 CBOR protocol (what botocore speaks to it now):
        CBOR in, CBOR out, errors as a CBOR ``{"__type", "message"}``."""
        headers = {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"}
        operations = self.api.cloudwatch.operations()
        try:
            if name not in operations:
                raise ApiError(
                    "UnknownOperationException", f"operation {name} is not supported locally"
                )
            try:
                request = cbor2.loads(body) if body else {}
            except cbor2.CBORDecodeError as error:
                raise ApiError("SerializationException", f"the body is not CBOR: {error}") from None
            result = operations[name](request)
        except ApiError as error:
            document = {"__type": error.code, "message": error.message}
            self._send(error.status, _cbor(document), headers)
            return
        self._send(200, _cbor(result), headers)

    def _invoke(self, endpoint: str, body: bytes) -> None:
        try:
            status, headers, payload = self.api.invoke(
                endpoint,
                body,
                self.headers.get("Content-Type"),
                self.headers.get("Accept"),
                {
                    field: self.headers[header]
                    for field, header in RUNTIME_HEADERS.items()
                    if self.headers.get(header) is not None
                },
            )
        except ApiError as error:
            document = {"message": error.message, **error.extra}
            headers = {"Content-Type": JSON}
            if not error.code.isdigit():
                headers["x-amzn-ErrorType"] = f"{error.code}:http://internal.amazon.com/coral/"
            self._send(error.status, json.dumps(document).encode(), headers)
            return
        self._send(status, payload, headers)

    def _set_faults(self, endpoint: str, body: bytes) -> None:
        if endpoint not in self.api.endpoints:
            raise ApiError("ValidationException", f"no local endpoint named {endpoint}")
        try:
            self.api.faults[endpoint] = Faults(**json.loads(body or b"{}"))
        except (TypeError, ValueError) as error:
            raise ApiError("ValidationException", f"bad fault settings: {error}") from None
        self._json(200, self.api.faults[endpoint].settings(), JSON)


def _cbor(document: Any) -> bytes:
    """A CBOR answer: timestamps as tag 1 (epoch seconds), as the Smithy RPC v2 protocol
    sends them."""
    return cbor2.dumps(document, datetime_as_timestamp=True, timezone=timezone.utc)


def _epoch_seconds(value: Any) -> float:
    """Timestamps in JSON answers: epoch seconds, as the AWS JSON protocols send them."""
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


class LocalServer:
    """The HTTP server on 127.0.0.1, serving in a background thread."""

    def __init__(self, api: SageMakerApi, port: int = 0) -> None:
        handler = type("Handler", (_Handler,), {"api": api})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, name="smspark-local", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
