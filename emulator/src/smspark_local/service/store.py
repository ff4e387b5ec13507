"""The backend's resources, held in memory and saved as JSON in the working directory so
that reopening the directory resumes where it stopped."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

KINDS = ("training_jobs", "models", "endpoint_configs", "endpoints", "transform_jobs", "tags")


class Store:
    """Resources by kind and name; every change is written through to ``state.json``."""

    def __init__(self, root: Path) -> None:
        self.path = root / "state.json"
        self.lock = threading.RLock()
        data = json.loads(self.path.read_text()) if self.path.exists() else {}
        self._data: dict[str, dict[str, dict[str, Any]]] = {k: data.get(k, {}) for k in KINDS}
        if not self.path.exists():
            self.save()

    def get(self, kind: str, name: str) -> dict[str, Any] | None:
        with self.lock:
            return self._data[kind].get(name)

    def all(self, kind: str) -> list[dict[str, Any]]:
        with self.lock:
            return list(self._data[kind].values())

    def put(self, kind: str, name: str, record: dict[str, Any]) -> None:
        with self.lock:
            self._data[kind][name] = record
            self.save()

    def update(self, kind: str, name: str, **changes: Any) -> dict[str, Any] | None:
        with self.lock:
            record = self._data[kind].get(name)
            if record is not None:
                record.update(changes)
                self.save()
            return record

    def delete(self, kind: str, name: str) -> None:
        with self.lock:
            self._data[kind].pop(name, None)
            self.save()

    def save(self) -> None:
        with self.lock:
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text(json.dumps(self._data, default=str))
            os.replace(temporary, self.path)
