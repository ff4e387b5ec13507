"""A trivial local image that answers every invocation with its request body: for smoke
tests of a setup and for measuring the backend itself. Not registered by default::

    backend.register_image("local/echo:1", ECHO_IMAGE)
"""

from __future__ import annotations

from pathlib import Path

from smspark_core.local.container import InvocationResponse, TrainingEnvironment
from smspark_core.specs import LocalImageSpec


def train(env: TrainingEnvironment) -> None:
    (env.model_dir / "echo").write_text("echo")


def serve(model_dir: Path):
    def predict(body: bytes, content_type: str, accept: str) -> InvocationResponse:
        return InvocationResponse(body, content_type)

    return predict


ECHO_IMAGE = LocalImageSpec(
    "echo",
    train=f"{__name__}:train",
    serve=f"{__name__}:serve",
    description="answers every request with its body",
)
