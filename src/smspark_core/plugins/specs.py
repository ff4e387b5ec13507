"""Typed spec objects that plugins register (see ``smspark_core.plugins.hookspecs``).

Each spec has a unique ``name`` within its kind; registering a name twice is an error that
names both plugins.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smspark_core.transformation.deserializers import ResponseRowDeserializer
    from smspark_core.transformation.serializers import RequestRowSerializer


@dataclass(frozen=True)
class SerializerSpec:
    """A request serializer class, found by ``name`` (persistence) or ``content_type``."""

    name: str
    factory: type[RequestRowSerializer]
    content_type: str
    description: str = ""


@dataclass(frozen=True)
class DeserializerSpec:
    """A response deserializer class, found by ``name`` (persistence) or ``accepts``."""

    name: str
    factory: type[ResponseRowDeserializer]
    accepts: str
    description: str = ""


@dataclass(frozen=True)
class AlgorithmSpec:
    """A SageMaker algorithm a plugin provides: its name and its estimator classes (listed by
    ``smspark plugins``). Everything else about it (image repository, registry accounts,
    training format, codecs) is the estimator class's own, in one place."""

    name: str
    estimators: Sequence[type] = ()
    description: str = ""


def reported_metrics(*names: str) -> tuple[tuple[str, str], ...]:
    """Metric definitions for what a local image reports with the toolkit's
    ``TrainingEnvironment.report_metric`` (which logs ``#metric <name>=<value>``)."""
    return tuple((name, rf"#metric {re.escape(name)}=(\S+)") for name in names)


@dataclass(frozen=True)
class LocalImageSpec:
    """A local stand-in for a container image, used by the local backend.

    ``name`` is the image repository it answers for (``…/kmeans:1`` is matched by
    ``kmeans``). ``train`` and ``serve`` are either ``"module:function"`` targets run in a
    child process, or a command line. ``metric_definitions`` are the (name, regex) pairs
    the service reads a first-party algorithm's log with (its
    ``AlgorithmSpecification.MetricDefinitions``); a custom image has none and takes those
    of its training request.
    """

    name: str
    train: str | Sequence[str] | None = None
    serve: str | Sequence[str] | None = None
    description: str = ""
    metric_definitions: tuple[tuple[str, str], ...] = ()
