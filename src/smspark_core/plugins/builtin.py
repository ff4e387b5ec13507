"""The core's own codecs, registered through the same hooks as any third party's."""

from __future__ import annotations

from smspark_core.plugins.hookspecs import hookimpl
from smspark_core.plugins.specs import DeserializerSpec, SerializerSpec
from smspark_core.transformation import deserializers as d
from smspark_core.transformation import serializers as s


@hookimpl
def register_serializers(register):
    register(
        SerializerSpec(
            "protobuf",
            s.ProtobufRequestRowSerializer,
            s.PROTOBUF,
            "one RecordIO-framed Amazon Record per row",
        )
    )
    register(
        SerializerSpec(
            "libsvm", s.LibSVMRequestRowSerializer, s.TEXT_LIBSVM, "label index:value lines"
        )
    )
    register(
        SerializerSpec(
            "unlabeled-libsvm",
            s.UnlabeledLibSVMRequestRowSerializer,
            s.TEXT_LIBSVM,
            "LibSVM lines with label 0.0",
        )
    )
    register(
        SerializerSpec(
            "unlabeled-csv",
            s.UnlabeledCSVRequestRowSerializer,
            s.CSV,
            "dense comma-separated feature lines",
        )
    )


@hookimpl
def register_deserializers(register):
    register(
        DeserializerSpec(
            "protobuf",
            d.ProtobufResponseRowDeserializer,
            d.PROTOBUF,
            "label-map tensors of RecordIO-protobuf records",
        )
    )
    register(
        DeserializerSpec(
            "xgboost-csv",
            d.XGBoostCSVRowDeserializer,
            d.CSV,
            "comma- or newline-separated predictions",
        )
    )
    register(
        DeserializerSpec(
            "libsvm",
            d.LibSVMResponseRowDeserializer,
            d.TEXT_LIBSVM,
            "LibSVM lines into label and sparse features",
        )
    )
