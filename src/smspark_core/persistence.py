"""What estimators and models share when they are saved as Spark ML metadata (JSON):
codecs by registered name plus configuration, the region, and the writer and reader that
work on classic Spark and over Spark Connect alike.

A saved stage is data a user may receive from someone else, so it never decides where
requests go: it stores the region (an endpoint's name is regional) and no endpoint URLs, no
credentials, no retry settings. The loading process's default client spec
(:func:`smspark_core.aws.default_client_spec`) decides where the loaded stage's requests go.
Metadata written by earlier versions may hold ``endpoint_urls``; they are ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyspark.ml.util import DefaultParamsReader, DefaultParamsWriter, MLReader, MLWriter

from smspark_core.aws import ClientSpec, default_client_spec
from smspark_core.connect import is_connect
from smspark_core.plugins import get_plugin_host


def codec_to_json(codec: Any) -> dict[str, Any]:
    return {"name": get_plugin_host().name_of(codec), "config": codec.config()}


def serializer_from_json(document: dict[str, Any]) -> Any:
    return get_plugin_host().serializer(document["name"], document["config"])


def deserializer_from_json(document: dict[str, Any]) -> Any:
    return get_plugin_host().deserializer(document["name"], document["config"])


def stage_wiring_to_json(stage: Any) -> dict[str, Any]:
    """What every stage saves of how it talks to SageMaker: its codecs (by registered name
    and configuration) and its client spec (the region only)."""
    return {
        "serializer": codec_to_json(stage.requestRowSerializer),
        "deserializer": codec_to_json(stage.responseRowDeserializer),
        "clientSpec": client_spec_to_json(stage.clientSpec),
    }


def stage_wiring_from_json(meta: dict[str, Any]) -> dict[str, Any]:
    """The constructor keywords ``stage_wiring_to_json`` saved, rebuilt in this process."""
    return {
        "requestRowSerializer": serializer_from_json(meta["serializer"]),
        "responseRowDeserializer": deserializer_from_json(meta["deserializer"]),
        "clientSpec": client_spec_from_json(meta["clientSpec"]),
    }


def client_spec_to_json(spec: ClientSpec) -> dict[str, Any]:
    return {"region": spec.region}


def client_spec_from_json(document: dict[str, Any]) -> ClientSpec:
    """This process's default spec, in the saved region when one was saved."""
    spec = default_client_spec()
    return spec.with_(region=document["region"]) if document.get("region") else spec


class MetadataWriter(MLWriter):
    """Saves an instance as Spark ML metadata with ``metadata(instance)`` as extra fields,
    through the DataFrame API (no SparkContext), so it also runs over Spark Connect."""

    def __init__(self, instance: Any, metadata: Callable[[Any], dict[str, Any]]) -> None:
        super().__init__()
        self.instance = instance
        self.metadata = metadata

    def _handleOverwrite(self, path: str) -> None:  # noqa: N802 - pyspark's name
        if is_connect(self.sparkSession):
            # pyspark's own Connect writers remove the path through the server's ML helper.
            from pyspark.ml.connect.readwrite import RemoteMLWriter

            RemoteMLWriter.handleOverwrite(path, True)
        else:
            super()._handleOverwrite(path)

    def saveImpl(self, path: str) -> None:  # noqa: N802 - pyspark's name
        DefaultParamsWriter.saveMetadata(
            self.instance, path, self.sparkSession, extraMetadata=self.metadata(self.instance)
        )


class MetadataReader(MLReader):
    """Reads what :class:`MetadataWriter` saved, through the DataFrame API."""

    def load_metadata(self, path: str) -> dict[str, Any]:
        return DefaultParamsReader.loadMetadata(path, self.sparkSession)
