"""How the stages are saved as Spark ML metadata (JSON), also inside a Pipeline.

The metadata is pyspark's (``class``, ``uid``, ``paramMap``, ``defaultParamMap``, ...), so
``Pipeline.load`` finds the stage class as it finds any other. Every setting is a Param
(``smspark_core.stage_params``) and each knows how its value is written as JSON
(``ValueCodec``): plain values as they are, typed values (roles, S3 paths, name policies,
the endpoint creation policy) as their type's name and fields, restricted to the types
listed here, and the codecs by registered name plus configuration. Nothing is pickled, and
loading never imports a class a saved document names.

A saved stage is data a user may receive from someone else, so it never decides where
requests go: it stores the region (an endpoint's name is regional) and no endpoint URLs, no
credentials. The loading process's default client spec
(:func:`smspark_core.aws.default_client_spec`) decides where the loaded stage's requests go.

Stages saved by smspark 0.1 (before every setting was a Param) kept the settings as extra
fields; the stage readers turn those into Params (``tests/data/saved_0_1``).
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Callable
from typing import Any

from pyspark.ml.param import Param, Params
from pyspark.ml.util import DefaultParamsReader, MLReader, MLWriter

from smspark_core.aws import ClientSpec, default_client_spec
from smspark_core.aws.resources import (
    CustomNamePolicy,
    CustomNamePolicyFactory,
    CustomNamePolicyWithTimeStampSuffixFactory,
    EndpointCreationPolicy,
    IAMRole,
    IAMRoleFromConfig,
    NamePolicy,
    RandomNamePolicyFactory,
    S3AutoCreatePath,
    S3DataPath,
    S3PathFromConfig,
)
from smspark_core.foundation.connect import is_connect
from smspark_core.foundation.errors import SmsparkError
from smspark_core.plugins import get_plugin_host

FORMAT_VERSION = 2  # 1: smspark 0.1, settings as extra fields; 2: every setting a Param


class SavedStageError(SmsparkError, ValueError):
    """Saved metadata this version cannot read; the message names the field."""


# ------------------------------------------------------------------------------ values


class ValueCodec:
    """How a setting's value is written as JSON and read back: as it is."""

    def to_json(self, value: Any) -> Any:
        return value

    def from_json(self, document: Any) -> Any:
        return document


class _Resource(ValueCodec):
    """The small value types of ``smspark_core.aws.resources``, as ``{"type", "fields"}``."""

    TYPES = {
        t.__name__: t
        for t in (
            IAMRole,
            IAMRoleFromConfig,
            S3DataPath,
            S3PathFromConfig,
            S3AutoCreatePath,
            RandomNamePolicyFactory,
            CustomNamePolicyFactory,
            CustomNamePolicyWithTimeStampSuffixFactory,
        )
    }

    def to_json(self, value: Any) -> dict[str, Any]:
        kind = type(value).__name__
        if self.TYPES.get(kind) is not type(value):
            raise SavedStageError(f"{kind} cannot be saved; use one of {sorted(self.TYPES)}")
        return {"type": kind, "fields": dataclasses.asdict(value)}

    def from_json(self, document: Any) -> Any:
        kind = document.get("type") if isinstance(document, dict) else None
        if kind not in self.TYPES:
            raise SavedStageError(f"unknown saved value {document!r}; known: {sorted(self.TYPES)}")
        return self.TYPES[kind](**document["fields"])


class _NamePolicy(ValueCodec):
    """A model's four resource names, loaded as a ``CustomNamePolicy`` (names are fixed)."""

    FIELDS = ("trainingJobName", "modelName", "endpointConfigName", "endpointName")

    def to_json(self, value: NamePolicy) -> dict[str, str]:
        return {name: getattr(value, name) for name in self.FIELDS}

    def from_json(self, document: Any) -> CustomNamePolicy:
        return CustomNamePolicy(*(document[name] for name in self.FIELDS))


class _EndpointPolicy(ValueCodec):
    def to_json(self, value: EndpointCreationPolicy) -> str:
        return value.value

    def from_json(self, document: Any) -> EndpointCreationPolicy:
        return EndpointCreationPolicy(document)


class _Codec(ValueCodec):
    """A serializer or deserializer, by the name its plugin registered and its config."""

    def __init__(self, make: Callable[[str, dict[str, Any]], Any]) -> None:
        self.make = make

    def to_json(self, value: Any) -> dict[str, Any]:
        return {"name": get_plugin_host().name_of(value), "config": value.config()}

    def from_json(self, document: Any) -> Any:
        return self.make(document["name"], document["config"])


PLAIN = ValueCodec()
RESOURCE = _Resource()
NAME_POLICY = _NamePolicy()
ENDPOINT_POLICY = _EndpointPolicy()
SERIALIZER = _Codec(lambda name, config: get_plugin_host().serializer(name, config))
DESERIALIZER = _Codec(lambda name, config: get_plugin_host().deserializer(name, config))


def _codec_of(param: Param) -> ValueCodec:
    return getattr(param, "persisted_as", PLAIN)


def _encoded(values: dict[Param, Any]) -> dict[str, Any]:
    return {
        param.name: None if value is None else _codec_of(param).to_json(value)
        for param, value in values.items()
    }


def client_spec_to_json(spec: ClientSpec) -> dict[str, Any]:
    return {"region": spec.region}


def client_spec_from_json(document: dict[str, Any]) -> ClientSpec:
    """This process's default spec, in the saved region when one was saved."""
    spec = default_client_spec()
    return spec.with_(region=document["region"]) if document.get("region") else spec


# ------------------------------------------------------------------------------ writing


class MetadataWriter(MLWriter):
    """Saves a stage's Params, and ``extra(stage)`` beside them, as Spark ML metadata,
    through the DataFrame API (no SparkContext), so it also runs over Spark Connect."""

    def __init__(self, instance: Params, extra: Callable[[Any], dict[str, Any]]) -> None:
        super().__init__()
        self.instance = instance
        self.extra = extra

    def _handleOverwrite(self, path: str) -> None:  # noqa: N802 - pyspark's name
        if is_connect(self.sparkSession):
            # pyspark's own Connect writers remove the path through the server's ML helper.
            from pyspark.ml.connect.readwrite import RemoteMLWriter

            RemoteMLWriter.handleOverwrite(path, True)
        else:
            super()._handleOverwrite(path)

    def saveImpl(self, path: str) -> None:  # noqa: N802 - pyspark's name
        stage = self.instance
        metadata = {
            "class": f"{type(stage).__module__}.{type(stage).__name__}",
            "timestamp": int(round(time.time() * 1000)),
            "sparkVersion": self.sparkSession.version,
            "uid": stage.uid,
            "paramMap": _encoded(stage._paramMap),
            "defaultParamMap": _encoded(stage._defaultParamMap),
            "smsparkFormat": FORMAT_VERSION,
            **self.extra(stage),
        }
        text = json.dumps(metadata, separators=(",", ":"))
        frame = self.sparkSession.createDataFrame([(text,)], schema=["value"])
        frame.coalesce(1).write.text(os.path.join(path, "metadata"))


# ------------------------------------------------------------------------------ reading


class MetadataReader(MLReader):
    """Reads what :class:`MetadataWriter` saved, through the DataFrame API."""

    def load_metadata(self, path: str) -> dict[str, Any]:
        return DefaultParamsReader.loadMetadata(path, self.sparkSession)


def saved_params(meta: dict[str, Any], section: str = "paramMap") -> dict[str, Any]:
    """A section of saved Params as ``{name: encoded value}``."""
    return dict(meta.get(section) or {})


def restore_params(
    stage: Params, params: dict[str, Any], defaults: dict[str, Any], *, encoded: bool = True
) -> None:
    """Sets saved values (and saved defaults) on ``stage``, decoding typed values. A saved
    Param this stage does not have is an error naming it; a saved default of one is
    skipped (defaults are the loading version's business)."""
    unknown = sorted(name for name in params if not stage.hasParam(name))
    if unknown:
        raise SavedStageError(
            f"the saved {type(stage).__name__} sets {unknown}, which this version of "
            f"{type(stage).__name__} does not have"
        )

    def value(name: str, saved: Any) -> Any:
        if saved is None or not encoded:
            return saved
        return _codec_of(stage.getParam(name)).from_json(saved)

    stage._setDefault(
        **{name: value(name, saved) for name, saved in defaults.items() if stage.hasParam(name)}
    )
    stage._set(**{name: value(name, saved) for name, saved in params.items()})
