"""The hooks smspark plugins implement.

Each hook receives a ``register`` callback and calls it with typed spec objects (see
``smspark_core.plugins.specs``), the pattern of simonw/llm's ``register_commands(cli)`` and conda's
plugin hooks. A plugin is a module (or object) with ``@hookimpl`` functions, published
through the ``smspark`` entry-point group::

    [project.entry-points.smspark]
    mycontainer = "my_package.smspark_plugin"

The core registers its own codecs through these same hooks.
"""

from __future__ import annotations

from collections.abc import Callable

import pluggy

from smspark_core.plugins.specs import (
    AlgorithmSpec,
    DeserializerSpec,
    LocalImageSpec,
    SerializerSpec,
)

PROJECT_NAME = "smspark"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def register_algorithms(register: Callable[[AlgorithmSpec], None]) -> None:
    """Register SageMaker algorithms: estimator classes, images and default codecs."""


@hookspec
def register_serializers(register: Callable[[SerializerSpec], None]) -> None:
    """Register request serializers by name and content type."""


@hookspec
def register_deserializers(register: Callable[[DeserializerSpec], None]) -> None:
    """Register response deserializers by name and accepted content type."""


@hookspec
def register_local_images(register: Callable[[LocalImageSpec], None]) -> None:
    """Register local implementations of container images for the local backend."""


HOOK_NAMES = (
    "register_algorithms",
    "register_deserializers",
    "register_local_images",
    "register_serializers",
)
