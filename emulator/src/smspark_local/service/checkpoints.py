"""A training job's checkpoints, synced as SageMaker syncs them for ``CheckpointConfig``.

Before the container starts (the first time and after every spot interruption) the objects
under ``S3Uri`` are copied into ``LocalPath`` (``/opt/ml/checkpoints`` unless given, which is
``checkpoints/`` in the job's directory); while it runs, new and changed files there are
uploaded to ``S3Uri`` (the directory is polled every ``SYNC_INTERVAL_S``), and once more when
it ends, also when it was interrupted. Files deleted locally stay in S3, as on the service.
A ``LocalPath`` outside ``/opt/ml`` fails the job: only that tree is the job's own here.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from smspark_core.aws.resources import split_s3_uri
from smspark_local.service.s3_objects import JobFailed, prefix_objects

CONTAINER_ROOT = PurePosixPath("/opt/ml")
DEFAULT_LOCAL_PATH = "/opt/ml/checkpoints"
SYNC_INTERVAL_S = 0.05


def local_directory(root: Path, local_path: str) -> Path:
    """Where the container's ``local_path`` is in the job's directory ``root``."""
    path = PurePosixPath(local_path)
    if (
        not path.is_absolute()
        or ".." in path.parts
        or path == CONTAINER_ROOT
        or not path.is_relative_to(CONTAINER_ROOT)
    ):
        raise JobFailed(
            f"ClientError: CheckpointConfig.LocalPath {local_path!r}: the local backend maps "
            "only directories under /opt/ml into a job (the default is /opt/ml/checkpoints)"
        )
    return root.joinpath(*path.relative_to(CONTAINER_ROOT).parts)


class CheckpointSync:
    """Restores and uploads one job's checkpoint directory (see the module docstring)."""

    def __init__(self, s3: Any, config: dict[str, str], root: Path, log: Callable[[str], None]):
        self.s3, self.log = s3, log
        self.uri = config["S3Uri"].rstrip("/")
        self.bucket, self.prefix = split_s3_uri(self.uri)
        self.directory = local_directory(root, config.get("LocalPath") or DEFAULT_LOCAL_PATH)
        self.uploads = 0  # sync rounds that uploaded something, in the current attempt
        self._uploaded: dict[Path, tuple[int, int]] = {}  # path: (mtime_ns, size) sent
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._error: Exception | None = None

    def restore(self) -> None:
        """An empty directory with what S3 holds under the URI (a new instance's view)."""
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory.mkdir(parents=True)
        self._uploaded.clear()
        self.uploads = 0
        objects = prefix_objects(self.s3, f"{self.uri}/")
        for bucket, key, relative in objects:
            destination = (self.directory / relative).resolve()
            if not destination.is_relative_to(self.directory.resolve()):
                raise JobFailed(f"ClientError: checkpoint key {key!r} escapes {self.uri}")
            destination.parent.mkdir(parents=True, exist_ok=True)
            self.s3.download_file(bucket, key, str(destination))
            self._uploaded[destination] = _signature(destination)
        if objects:
            self.log(f"checkpoints: restored {len(objects)} files from {self.uri}")

    def start(self) -> None:
        """Uploads changes in the background until ``finish``."""
        self._stop.clear()
        self._error = None
        self._thread = threading.Thread(target=self._loop, name="checkpoint-sync", daemon=True)
        self._thread.start()

    def finish(self) -> None:
        """Stops the background uploads and uploads what changed since the last round;
        JobFailed when an upload failed."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        try:
            if self._error is not None:
                raise self._error
            self.sync()
        except Exception as error:
            raise JobFailed(f"ClientError: uploading checkpoints to {self.uri}: {error}") from None

    def _loop(self) -> None:
        try:
            while not self._stop.wait(SYNC_INTERVAL_S):
                self.sync()
        except Exception as error:  # reported by finish(), which the job always calls
            self._error = error

    def sync(self) -> int:
        """Uploads the files that are new or changed; returns how many."""
        sent = 0
        for path in sorted(self.directory.rglob("*")):
            try:
                if not path.is_file():
                    continue
                signature = _signature(path)
                if self._uploaded.get(path) == signature:
                    continue
                key = "/".join(filter(None, (self.prefix, *path.relative_to(self.directory).parts)))
                self.s3.upload_file(str(path), self.bucket, key)
            except FileNotFoundError:  # replaced or removed by the container meanwhile
                continue
            self._uploaded[path] = signature
            sent += 1
        if sent:
            self.uploads += 1
            self.log(f"checkpoints: uploaded {sent} files to {self.uri}")
        return sent


def _signature(path: Path) -> tuple[int, int]:
    status = path.stat()
    return status.st_mtime_ns, status.st_size
