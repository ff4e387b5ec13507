"""Where part files go: a local directory or an S3 prefix.

Executors stage each part; the driver promotes staged parts on commit and discards them on
abort, so a failed task or job leaves no partial ``part-*`` file visible. Locally a part is
written under a hidden staging directory and renamed into place; on S3 it is a multipart
upload that is completed on commit (or aborted), so nothing appears until commit.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlparse

from smspark_core.aws import ClientSpec
from smspark_core.aws.resources import split_s3_uri

PART_PATTERNS = ("part-*.pbr", "part-*.pbr.gz")
STAGING_PREFIX = ".smspark-staging-"
S3_PART_BYTES = 8 * 1024 * 1024  # multipart chunks; S3 needs >= 5 MiB for all but the last


@dataclass(frozen=True)
class StagedPart:
    """A part written by an executor and not yet visible; picklable (a commit message)."""

    name: str
    location: str
    upload_id: str | None = None
    etags: tuple[str, ...] = field(default=())


class PartSink(ABC):
    """An executor-side writer of one part file."""

    @abstractmethod
    def write(self, data: bytes | memoryview) -> None: ...

    @abstractmethod
    def close(self) -> StagedPart:
        """Finishes writing; the part is staged, not yet visible."""

    @abstractmethod
    def abort(self) -> None:
        """Removes whatever was staged."""


class PartStore(ABC):
    """A destination directory of part files."""

    @staticmethod
    def for_path(path: str, client_spec: ClientSpec | None = None) -> PartStore:
        scheme = urlparse(path).scheme
        if scheme in ("s3", "s3a", "s3n"):
            return S3PartStore(path, client_spec or ClientSpec.from_environment())
        if scheme in ("", "file"):
            return LocalPartStore(path[len("file://") :] if scheme == "file" else path)
        raise ValueError(
            f"unsupported destination {path!r}: use a local path or s3://bucket/prefix"
        )

    @abstractmethod
    def open_part(self, name: str, job_id: str, attempt: int) -> PartSink: ...

    @abstractmethod
    def has_content(self) -> bool:
        """Whether anything is visible at the destination."""

    @abstractmethod
    def clear(self) -> None:
        """Removes everything visible at the destination (for overwrite)."""

    @abstractmethod
    def promote(self, part: StagedPart) -> None: ...

    @abstractmethod
    def discard(self, part: StagedPart) -> None: ...

    @abstractmethod
    def cleanup_job(self, job_id: str) -> None:
        """Removes anything a job staged and never promoted (retried or killed tasks)."""

    @abstractmethod
    def list_parts(self) -> list[str]:
        """Names of the visible part files, sorted."""

    @abstractmethod
    def open(self, name: str) -> BinaryIO:
        """A part file as a stream, read as it is consumed (S3: the object's body)."""


# ------------------------------------------------------------------------------ local


class _LocalSink(PartSink):
    def __init__(self, name: str, staged: Path) -> None:
        self._name = name
        self._path = staged
        staged.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(staged, "wb")  # noqa: SIM115 - closed in close()/abort()

    def write(self, data: bytes | memoryview) -> None:
        self._file.write(data)

    def close(self) -> StagedPart:
        self._file.close()
        return StagedPart(self._name, str(self._path))

    def abort(self) -> None:
        self._file.close()
        self._path.unlink(missing_ok=True)


class LocalPartStore(PartStore):
    def __init__(self, path: str) -> None:
        self.root = Path(path)

    def _staging(self, job_id: str) -> Path:
        return self.root / f"{STAGING_PREFIX}{job_id}"

    def open_part(self, name: str, job_id: str, attempt: int) -> PartSink:
        return _LocalSink(name, self._staging(job_id) / f"{name}.attempt-{attempt}")

    def _visible(self) -> list[Path]:
        if not self.root.is_dir():
            return [self.root] if self.root.exists() else []
        return [p for p in self.root.iterdir() if not p.name.startswith(STAGING_PREFIX)]

    def has_content(self) -> bool:
        return bool(self._visible())

    def clear(self) -> None:
        for entry in self._visible():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()

    def promote(self, part: StagedPart) -> None:
        os.replace(part.location, self.root / part.name)

    def discard(self, part: StagedPart) -> None:
        Path(part.location).unlink(missing_ok=True)

    def cleanup_job(self, job_id: str) -> None:
        shutil.rmtree(self._staging(job_id), ignore_errors=True)

    def list_parts(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(
            p.name
            for p in self.root.iterdir()
            if any(fnmatch.fnmatch(p.name, x) for x in PART_PATTERNS)
        )

    def open(self, name: str) -> BinaryIO:
        return open(self.root / name, "rb")  # noqa: SIM115 - the caller closes it


# --------------------------------------------------------------------------------- S3


class _S3Sink(PartSink):
    def __init__(self, client, bucket: str, key: str, name: str) -> None:
        self._client, self._bucket, self._key, self._name = client, bucket, key, name
        self._buffer = bytearray()
        self._etags: list[str] = []
        self._upload_id = client.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]

    def _upload(self, data: bytes) -> None:
        response = self._client.upload_part(
            Bucket=self._bucket,
            Key=self._key,
            UploadId=self._upload_id,
            PartNumber=len(self._etags) + 1,
            Body=data,
        )
        self._etags.append(response["ETag"])

    def write(self, data: bytes | memoryview) -> None:
        self._buffer += data
        while len(self._buffer) >= S3_PART_BYTES:
            self._upload(bytes(self._buffer[:S3_PART_BYTES]))
            del self._buffer[:S3_PART_BYTES]

    def close(self) -> StagedPart:
        if self._buffer or not self._etags:
            self._upload(bytes(self._buffer))
            self._buffer.clear()
        return StagedPart(self._name, self._key, self._upload_id, tuple(self._etags))

    def abort(self) -> None:
        self._client.abort_multipart_upload(
            Bucket=self._bucket, Key=self._key, UploadId=self._upload_id
        )


class S3PartStore(PartStore):
    def __init__(self, uri: str, client_spec: ClientSpec) -> None:
        self.bucket, self.prefix = split_s3_uri(uri)
        self.client_spec = client_spec

    @property
    def _client(self):
        return self.client_spec.client("s3")

    def _key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def _list_prefix(self) -> str:
        return f"{self.prefix}/" if self.prefix else ""

    def _keys(self):
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self._list_prefix()):
            for item in page.get("Contents", []):
                yield item["Key"]

    def open_part(self, name: str, job_id: str, attempt: int) -> PartSink:
        return _S3Sink(self._client, self.bucket, self._key(name), name)

    def has_content(self) -> bool:
        return next(iter(self._keys()), None) is not None

    def clear(self) -> None:
        keys = list(self._keys())
        for start in range(0, len(keys), 1000):
            chunk = [{"Key": k} for k in keys[start : start + 1000]]
            self._client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": chunk, "Quiet": True}
            )

    def promote(self, part: StagedPart) -> None:
        self._client.complete_multipart_upload(
            Bucket=self.bucket,
            Key=part.location,
            UploadId=part.upload_id,
            MultipartUpload={
                "Parts": [{"ETag": e, "PartNumber": i + 1} for i, e in enumerate(part.etags)]
            },
        )

    def discard(self, part: StagedPart) -> None:
        self._client.abort_multipart_upload(
            Bucket=self.bucket, Key=part.location, UploadId=part.upload_id
        )

    def cleanup_job(self, job_id: str) -> None:
        paginator = self._client.get_paginator("list_multipart_uploads")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self._list_prefix()):
            for upload in page.get("Uploads", []):
                if job_id in upload["Key"]:
                    self._client.abort_multipart_upload(
                        Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                    )

    def list_parts(self) -> list[str]:
        names = (
            k.rsplit("/", 1)[-1] for k in self._keys() if "/" not in k[len(self._list_prefix()) :]
        )
        return sorted(n for n in names if any(fnmatch.fnmatch(n, x) for x in PART_PATTERNS))

    def open(self, name: str) -> BinaryIO:
        return self._client.get_object(Bucket=self.bucket, Key=self._key(name))["Body"]
