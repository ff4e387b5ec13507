"""The local SageMaker backend moved to its own distribution, ``smspark-local`` (module
``smspark_local``); ``from smspark_core.local import LocalSageMaker`` keeps working when it
is installed, and says what to install when it is not."""

from __future__ import annotations

import importlib
from typing import Any

_NAMES = ("LocalSageMaker", "Faults")

__all__ = list(_NAMES)


def __getattr__(name: str) -> Any:
    if name not in _NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        module = importlib.import_module("smspark_local")
    except ModuleNotFoundError as missing:
        if missing.name != "smspark_local":
            raise
        raise ModuleNotFoundError(
            f"{name} is in the smspark-local distribution, which is not installed: "
            "pip install smspark-local (and the plugins' local images: pip install "
            '"smspark-kmeans[local]", ...)',
            name="smspark_local",
        ) from None
    return getattr(module, name)


def __dir__() -> list[str]:
    return list(_NAMES)
