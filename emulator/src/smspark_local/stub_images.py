"""Trivial local images that do no model work: for smoke tests of a setup and for
measuring smspark and the backend themselves. Not registered by default::

    backend.register_image("local/echo:1", ECHO_IMAGE)

* ``ECHO_IMAGE`` answers every invocation with its request body. ``STUB_LOAD_SECONDS`` in the
  model's Environment makes its server take that long to start, as a large model loads.
* ``KMEANS_STUB_IMAGE`` answers a RecordIO-protobuf request of N records with N fixed
  k-means-shaped records (``closest_cluster`` 0, ``distance_to_cluster`` 0), as a stub
  endpoint would.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from smspark_core.codecs import amazon_record, recordio
from smspark_core.foundation.media_types import PROTOBUF
from smspark_core.plugins.specs import LocalImageSpec
from smspark_local.toolkit.container import InvocationResponse, TrainingEnvironment

_KMEANS_ANSWER = recordio.frame(
    amazon_record.response_record({"closest_cluster": 0.0, "distance_to_cluster": 0.0})
)


def train(env: TrainingEnvironment) -> None:
    (env.model_dir / "stub").write_text("stub")


def serve(model_dir: Path):
    time.sleep(float(os.environ.get("STUB_LOAD_SECONDS", "0")))

    def predict(body: bytes, content_type: str, accept: str) -> InvocationResponse:
        return InvocationResponse(body, content_type)

    return predict


def serve_kmeans_stub(model_dir: Path):
    def predict(body: bytes, content_type: str, accept: str) -> InvocationResponse:
        count = sum(1 for _ in recordio.iter_payloads(body))
        return InvocationResponse(_KMEANS_ANSWER * count, PROTOBUF)

    return predict


ECHO_IMAGE = LocalImageSpec(
    "echo",
    train=f"{__name__}:train",
    serve=f"{__name__}:serve",
    description="answers every request with its body",
)
KMEANS_STUB_IMAGE = LocalImageSpec(
    "kmeans-stub",
    train=f"{__name__}:train",
    serve=f"{__name__}:serve_kmeans_stub",
    description="answers every record with a fixed k-means-shaped prediction",
)
