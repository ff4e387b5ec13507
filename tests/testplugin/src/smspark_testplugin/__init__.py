"""A test plugin: one algorithm, a JSON Lines serializer and deserializer, and a local image
(``images.py``). It proves registration through a real entry point."""

from __future__ import annotations

import json

from pyspark.sql import Row
from pyspark.sql.types import DoubleType, StructField, StructType

from smspark_core import hookimpl
from smspark_core.plugins.specs import (
    AlgorithmSpec,
    DeserializerSpec,
    LocalImageSpec,
    SerializerSpec,
)
from smspark_core.transformation.deserializers import ResponseRowDeserializer
from smspark_core.transformation.serializers import RequestRowSerializer


class SumJsonLinesSerializer(RequestRowSerializer):
    """Only ``serialize_row``: the batch path comes from the base class."""

    content_type = "application/jsonlines"

    def __init__(self, featuresColumnName: str = "features"):
        super().__init__()
        self.featuresColumnName = featuresColumnName

    def serialize_row(self, row: Row) -> bytes:
        return (
            json.dumps({"features": row[self.featuresColumnName].toArray().tolist()}) + "\n"
        ).encode()

    def config(self):
        return {"featuresColumnName": self.featuresColumnName}


class SumJsonLinesDeserializer(ResponseRowDeserializer):
    accepts = "application/jsonlines"

    @property
    def schema(self) -> StructType:
        return StructType([StructField("total", DoubleType())])

    def deserialize_response(self, body: bytes) -> list[Row]:
        return [Row(total=float(json.loads(line)["total"])) for line in body.splitlines() if line]


@hookimpl
def register_algorithms(register):
    register(AlgorithmSpec("test-sum", description="the sum of the features"))


@hookimpl
def register_serializers(register):
    register(SerializerSpec("test-jsonlines", SumJsonLinesSerializer, "application/jsonlines"))


@hookimpl
def register_deserializers(register):
    register(DeserializerSpec("test-jsonlines", SumJsonLinesDeserializer, "application/jsonlines"))


@hookimpl
def register_local_images(register):
    register(
        LocalImageSpec(
            "test-sum",
            train="smspark_testplugin.images:train",
            serve="smspark_testplugin.images:serve",
            description="learns feature means; serves their dot product",
        )
    )
