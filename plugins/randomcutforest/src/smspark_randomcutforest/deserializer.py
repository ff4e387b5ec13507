"""``RandomCutForestProtobufResponseRowDeserializer``: the Random Cut Forest container's
answers as a ``score`` column."""

from __future__ import annotations

from typing import Any, ClassVar

from pyspark.sql.types import DoubleType, StructField, StructType

from smspark_core.algorithms.responses import AlgorithmResponseRowDeserializer
from smspark_core.foundation.media_types import PROTOBUF


class RandomCutForestProtobufResponseRowDeserializer(AlgorithmResponseRowDeserializer):
    """``score`` per row, the anomaly score (higher: more anomalous), as a double. Reads the
    service's three answers: RecordIO-protobuf (``label['score']``), JSON
    (``{"scores": [{"score": 0.02}, ...]}``) and JSON Lines (``{"score": 0.02}`` a line);
    ``accept`` picks the one asked for."""

    json_key: ClassVar[str] = "scores"

    def __init__(self, score_column_name: str = "score", accept: str = PROTOBUF) -> None:
        self.score_column_name = score_column_name
        schema = StructType([StructField(score_column_name, DoubleType())])
        super().__init__(schema, ["score"], accept)

    def config(self) -> dict[str, Any]:
        return {"score_column_name": self.score_column_name, **super().config()}
