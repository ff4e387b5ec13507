"""Packages whose public names load on first use.

A local image's model server imports ``smspark_kmeans.container``, which first runs
``smspark_kmeans/__init__.py``; if that imported the estimator, every model server would pay
for pyspark before answering ``/ping``. Packages list their exports instead, and each one is
imported when it is first used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``, whose ``exports`` map each public
    name to the module that defines it::

        __getattr__, __dir__ = lazy_exports(__name__, {"KMeansSageMakerEstimator": "..."})
    """
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module hook's name
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        try:
            value = getattr(importlib.import_module(module), name)
        except ModuleNotFoundError as missing:
            top = module.split(".")[0]
            if missing.name != top:
                raise
            raise ModuleNotFoundError(
                f"{package}.{name} comes from {module}, which is not installed: "
                f"pip install {top.replace('_', '-')}",
                name=top,
            ) from None
        namespace[name] = value  # later lookups skip this function
        return value

    def __dir__() -> list[str]:  # noqa: N807
        return sorted({*namespace, *exports})

    return __getattr__, __dir__
