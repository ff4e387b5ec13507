"""Multi-model endpoints: a model whose container has ``Mode: MultiModel`` serves the model
archives under its ``ModelDataUrl`` prefix, one per request's ``TargetModel``.

As on the service: the first request for a ``TargetModel`` downloads
``<ModelDataUrl>/<TargetModel>`` and extracts it (a variant keeps it afterwards); each model
server loads it, once, through the container's multi-model API, ``POST /models`` with
``{"model_name": ..., "url": ...}``, and the request goes to
``POST /models/<model_name>/invoke`` with the caller's ``TargetModel`` in the
``X-Amzn-SageMaker-Target-Model`` header (409 from a load means it is loaded already). The
``model_name`` is opaque, derived from the TargetModel; the ``url`` is the extracted
directory's real path (``/opt/ml/models/<model_name>/model`` on the service: here under the
variant's directory, as ``SMSPARK_OPT_ML`` stands for ``/opt/ml``). The model servers are
started with ``SAGEMAKER_MULTI_MODEL=true`` and no ``/opt/ml/model``. Models are never
unloaded (the service unloads the least used under memory pressure).
"""

from __future__ import annotations

import hashlib
import shutil
import threading
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from smspark_core.aws.resources import split_s3_uri
from smspark_local.service.errors import ApiError

TARGET_MODEL_HEADER = "X-Amzn-SageMaker-Target-Model"


def is_multi_model(container: dict[str, Any]) -> bool:
    return container.get("Mode") == "MultiModel"


def model_name(target: str) -> str:
    """The opaque name the container keeps a TargetModel's model by."""
    return hashlib.sha256(target.encode()).hexdigest()[:32]


class ModelArchives:
    """The TargetModel archives of one variant, fetched on first use."""

    def __init__(
        self, prefix: str, directory: Path, s3: Any, extract: Callable[[Path, Path], None]
    ) -> None:
        """``extract(archive, destination)`` unpacks a model archive safely."""
        self.prefix, self.directory, self.s3 = prefix.rstrip("/"), directory, s3
        self.extract = extract
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def fetch(self, target: str) -> tuple[str, Path]:
        """(model_name, extracted directory) of a TargetModel; a ValidationError naming
        the S3 location when there is no such archive."""
        parts = PurePosixPath(target).parts
        if not parts or target.startswith("/") or ".." in parts:
            raise ApiError(
                "ValidationError",
                f"TargetModel {target!r} must be a path relative to the model's ModelDataUrl "
                f"{self.prefix}/ (without '..')",
            )
        name = model_name(target)
        model_dir = self.directory / name / "model"
        with self._lock:
            lock = self._locks.setdefault(name, threading.Lock())
        with lock:
            if model_dir.exists():
                return name, model_dir
            url = f"{self.prefix}/{target}"
            bucket, key = split_s3_uri(url)
            archive = self.directory / name / "model.tar.gz"
            archive.parent.mkdir(parents=True, exist_ok=True)
            try:
                self.s3.download_file(bucket, key, str(archive))
                self.extract(archive, model_dir)
            except Exception as error:
                shutil.rmtree(archive.parent, ignore_errors=True)
                raise ApiError(
                    "ValidationError",
                    f"Failed to download model data(bucket: {bucket}, key: {key}) for "
                    f"TargetModel {target!r}: {error}. Please ensure that there is an object "
                    "located at the URL and that the role passed to CreateModel has "
                    "permissions to download the model.",
                ) from None
            archive.unlink()
            return name, model_dir
