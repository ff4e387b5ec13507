"""What estimators and models share when they are saved as Spark ML metadata (JSON):
codecs by registered name plus configuration, and where to reach AWS (never credentials)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyspark.ml.util import DefaultParamsWriter, MLWriter

from smspark_core.aws import ClientSpec
from smspark_core.plugins import get_plugin_host


def codec_to_json(codec: Any) -> dict[str, Any]:
    return {"name": get_plugin_host().name_of(codec), "config": codec.config()}


def serializer_from_json(document: dict[str, Any]) -> Any:
    return get_plugin_host().serializer(document["name"], document["config"])


def deserializer_from_json(document: dict[str, Any]) -> Any:
    return get_plugin_host().deserializer(document["name"], document["config"])


def client_spec_to_json(spec: ClientSpec) -> dict[str, Any]:
    return {"region": spec.region, "endpoint_urls": dict(spec.endpoint_urls)}


def client_spec_from_json(document: dict[str, Any]) -> ClientSpec:
    """The saved region and endpoints over this process's own settings (and credentials)."""
    spec = ClientSpec.from_environment()
    if document["region"]:
        spec = spec.with_(region=document["region"])
    if document["endpoint_urls"]:
        spec = spec.with_(endpoint_urls=document["endpoint_urls"])
    return spec


class MetadataWriter(MLWriter):
    """Saves an instance as Spark ML metadata with ``metadata(instance)`` as extra fields."""

    def __init__(self, instance: Any, metadata: Callable[[Any], dict[str, Any]]) -> None:
        super().__init__()
        self.instance = instance
        self.metadata = metadata

    def saveImpl(self, path: str) -> None:  # noqa: N802 - pyspark's name
        DefaultParamsWriter.saveMetadata(
            self.instance, path, self.sc, extraMetadata=self.metadata(self.instance)
        )
