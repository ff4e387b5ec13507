"""Local test images: a tiny real model ("sum") and an echo server (benchmarks).

sum, train: reads the ``train`` channel (RecordIO-protobuf or CSV with the label first) and
learns the mean of each feature; hyperparameters ``fail`` (write output/failure and exit 1)
and ``sleep_seconds`` (for stop and time-limit tests); ``checkpoint_note`` writes
``note.txt`` to the checkpoint directory, naming the files restored there. Reports
``train:rows`` as a metric.
sum, serve: answers ``{"total": mean . x}`` per JSON Lines request line, or one CSV value
per line for ``text/csv``; a wrong dimension is a 400 with a message.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from smspark_local.toolkit.container import (
    InvocationError,
    InvocationResponse,
    TrainingEnvironment,
    request_custom_attributes,
)

from smspark_core.codecs import amazon_record


def _rows(path: Path, dim: int) -> list[np.ndarray]:
    """Feature rows of one channel file: RecordIO-protobuf, CSV or LibSVM (label first),
    or Parquet (label, then feature columns); gzip-compressed or not."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if data[:4] == b"\x0a\x23\xd7\xce":
        rows = []
        for record in amazon_record.decode_records(data):
            tensor = amazon_record.read_tensor(record.features["values"])
            if len(tensor.keys):
                dense = np.zeros(int(tensor.shape[0]))
                dense[tensor.keys.astype(int)] = tensor.values
                rows.append(dense)
            else:
                rows.append(tensor.values)
        return rows
    if data[:4] == b"PAR1":
        table = pq.read_table(io.BytesIO(data))
        return list(np.column_stack([table.column(n).to_numpy() for n in table.column_names[1:]]))
    rows = []
    for line in data.decode().splitlines():
        if ":" in line or " " in line:  # LibSVM: label index:value ...
            row = np.zeros(dim)
            for entry in line.split()[1:]:
                index, value = entry.split(":")
                row[int(index) - 1] = float(value)
            rows.append(row)
        elif line:
            rows.append(np.array([float(v) for v in line.split(",")[1:]]))
    return rows


def train(env: TrainingEnvironment) -> None:
    print(f"hyperparameters: {env.hyperparameters}")
    note = env.hyperparameters.get("checkpoint_note")
    if note is not None and env.checkpoint_dir is not None:
        restored = sorted(
            str(p.relative_to(env.checkpoint_dir)) for p in env.checkpoint_dir.rglob("*.*")
        )
        (env.checkpoint_dir / "note.txt").write_text(f"{note}; restored: {', '.join(restored)}")
    time.sleep(float(env.hyperparameters.get("sleep_seconds", 0)))
    if env.hyperparameters.get("fail") == "true":
        (env.output_dir / "failure").write_text("requested failure: fail=true")
        raise SystemExit(1)
    dim = int(env.hyperparameters.get("feature_dim", 0))
    rows = [row for path in env.channel_files("train") for row in _rows(path, dim)]
    if not rows:
        raise ValueError("the train channel holds no rows")
    mean = np.mean(np.vstack(rows), axis=0)
    (env.model_dir / "weights.json").write_text(json.dumps(mean.tolist()))
    env.report_metric("train:rows", len(rows))
    print(f"trained on {len(rows)} rows")


def serve(model_dir: Path):
    weights = np.array(json.loads((model_dir / "weights.json").read_text()))

    def predict(body: bytes, content_type: str, accept: str) -> InvocationResponse:
        if content_type == "text/csv":
            rows = [[float(v) for v in line.split(",")] for line in body.decode().splitlines()]
        elif content_type in ("application/jsonlines", "application/json"):
            rows = [json.loads(line)["features"] for line in body.decode().splitlines() if line]
        else:
            raise InvocationError(415, f"unsupported content type {content_type}")
        for index, row in enumerate(rows):
            if len(row) != len(weights):
                raise InvocationError(
                    400, f"row {index} has {len(row)} features, the model expects {len(weights)}"
                )
        totals = [float(np.dot(weights, row)) for row in rows]
        if accept == "text/csv":
            return InvocationResponse("".join(f"{t}\n" for t in totals).encode(), "text/csv")
        lines = "".join(json.dumps({"total": t}) + "\n" for t in totals)
        return InvocationResponse(lines.encode(), "application/jsonlines")

    return predict


def echo_train(env: TrainingEnvironment) -> None:
    (env.model_dir / "echo").write_text("echo")


def echo_serve(model_dir: Path):
    """Echoes the body. ``slow`` waits 1 s, ``sleep:SECONDS`` that long; ``peak`` answers the
    most requests it has seen in flight at once (for concurrency tests without timing
    assertions); ``env:NAME`` answers that environment variable of the model server. The
    request's CustomAttributes come back as the answer's."""
    lock = threading.Lock()
    state = {"in_flight": 0, "peak": 0}

    def predict(body: bytes, content_type: str, accept: str) -> InvocationResponse:
        if body.startswith(b"env:"):
            return InvocationResponse(os.environ.get(body[4:].decode(), "").encode(), "text/plain")
        if body == b"peak":
            return InvocationResponse(str(state["peak"]).encode(), "text/plain")
        with lock:
            state["in_flight"] += 1
            state["peak"] = max(state["peak"], state["in_flight"])
        try:
            if body == b"slow":
                time.sleep(1.0)
            elif body.startswith(b"sleep:"):  # past a short InvocationsTimeoutInSeconds
                time.sleep(float(body[6:]))
            return InvocationResponse(body, content_type, request_custom_attributes())
        finally:
            with lock:
                state["in_flight"] -= 1

    return predict
