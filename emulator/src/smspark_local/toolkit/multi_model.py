"""The container side of a multi-model endpoint: the models a local model server has loaded
through SageMaker's multi-model API (``POST /models``, ``GET /models``, ``GET`` and
``DELETE /models/<model_name>``, ``POST /models/<model_name>/invoke``), each made by the
image's serve function from the directory the load request names. The runner serves this
API instead of ``/invocations`` when the platform sets ``SAGEMAKER_MULTI_MODEL=true``."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

MULTI_MODEL_ENV = "SAGEMAKER_MULTI_MODEL"


class LoadedModels:
    """Handlers by model name, made by ``factory(model_dir)`` (an image's serve target)."""

    def __init__(self, factory: Callable[[Path], Callable]) -> None:
        self.factory = factory
        self._handlers: dict[str, tuple[str, Callable]] = {}  # name: (url, handler)
        self._lock = threading.Lock()

    def load(self, document: Any) -> tuple[int, str]:
        """Loads ``{"model_name": ..., "url": ...}``: (status, message); 409 when the name is
        loaded already, 400 for a bad document or a directory the image cannot serve."""
        if not isinstance(document, dict) or not all(
            isinstance(document.get(key), str) for key in ("model_name", "url")
        ):
            return 400, 'expected {"model_name": "...", "url": "..."}'
        name, url = document["model_name"], document["url"]
        with self._lock:
            if name in self._handlers:
                return 409, f"model {name} is loaded already"
        try:
            handler = self.factory(Path(url))
        except Exception as error:
            return 400, f"cannot load model {name} from {url}: {type(error).__name__}: {error}"
        with self._lock:
            if name in self._handlers:
                return 409, f"model {name} is loaded already"
            self._handlers[name] = (url, handler)
        print(f"loaded model {name} from {url}", flush=True)
        return 200, f"model {name} loaded"

    def handler(self, name: str) -> Callable | None:
        with self._lock:
            entry = self._handlers.get(name)
        return entry[1] if entry else None

    def describe(self, name: str) -> dict[str, str] | None:
        with self._lock:
            entry = self._handlers.get(name)
        return {"modelName": name, "modelUrl": entry[0]} if entry else None

    def listing(self) -> dict[str, list[dict[str, str]]]:
        with self._lock:
            items = sorted(self._handlers.items())
        return {"models": [{"modelName": n, "modelUrl": url} for n, (url, _) in items]}

    def unload(self, name: str) -> bool:
        with self._lock:
            return self._handlers.pop(name, None) is not None
