"""The original's response deserializers: the core's here, each algorithm plugin's (k-means,
PCA, Linear Learner, ...) found by class name among the installed plugins."""

from __future__ import annotations

from typing import Any

from smspark_core.transformation.deserializers import (
    LibSVMResponseRowDeserializer,
    ProtobufResponseRowDeserializer,
    ResponseRowDeserializer,
    XGBoostCSVRowDeserializer,
)

__all__ = [
    "LibSVMResponseRowDeserializer",
    "ProtobufResponseRowDeserializer",
    "ResponseRowDeserializer",
    "XGBoostCSVRowDeserializer",
]


def __getattr__(name: str) -> Any:
    if name.startswith("_"):
        raise AttributeError(name)
    from smspark_core.plugins import get_plugin_host

    for spec in get_plugin_host().deserializers.values():
        if spec.factory.__name__ == name:
            return spec.factory
    raise AttributeError(
        f"module {__name__!r} has no attribute {name!r} (no installed smspark plugin "
        "provides that deserializer)"
    )
