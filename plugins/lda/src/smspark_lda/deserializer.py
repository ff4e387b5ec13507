"""``LDAProtobufResponseRowDeserializer``: the LDA container's answers as a vector column."""

from __future__ import annotations

from typing import Any

from pyspark.ml.linalg import VectorUDT
from pyspark.sql.types import StructField, StructType

from smspark_core.algorithms.responses import AlgorithmResponseRowDeserializer
from smspark_core.foundation.media_types import PROTOBUF


class LDAProtobufResponseRowDeserializer(AlgorithmResponseRowDeserializer):
    """``topic_mixture`` per row as a Vector (also with one topic, where the original gave
    a scalar). The keyword is the original Python package's ``projection_column_name``
    (sic). Reads RecordIO-protobuf, JSON and JSON Lines."""

    def __init__(
        self, projection_column_name: str = "topic_mixture", accept: str = PROTOBUF
    ) -> None:
        self.projection_column_name = projection_column_name
        schema = StructType([StructField(projection_column_name, VectorUDT())])
        super().__init__(schema, ["topic_mixture"], accept)

    def config(self) -> dict[str, Any]:
        return {"projection_column_name": self.projection_column_name, **super().config()}
