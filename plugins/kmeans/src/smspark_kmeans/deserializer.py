"""``KMeansProtobufResponseRowDeserializer``: the k-means container's answers as two
double columns, from RecordIO-protobuf, JSON or JSON Lines."""

from __future__ import annotations

from typing import Any

from pyspark.sql.types import DoubleType, StructField, StructType

from smspark_core.algorithms.responses import AlgorithmResponseRowDeserializer
from smspark_core.transformation.serializers import PROTOBUF


class KMeansProtobufResponseRowDeserializer(AlgorithmResponseRowDeserializer):
    """``distance_to_cluster`` and ``closest_cluster`` per row (keys fixed by the
    container; column names configurable). ``accept="application/json"`` or
    ``"application/jsonlines"`` asks the endpoint for JSON instead of RecordIO-protobuf."""

    def __init__(
        self,
        distanceToClusterColumnName: str = "distance_to_cluster",
        closestClusterColumnName: str = "closest_cluster",
        accept: str = PROTOBUF,
    ) -> None:
        self.distanceToClusterColumnName = distanceToClusterColumnName
        self.closestClusterColumnName = closestClusterColumnName
        schema = StructType(
            [
                StructField(distanceToClusterColumnName, DoubleType()),
                StructField(closestClusterColumnName, DoubleType()),
            ]
        )
        super().__init__(schema, ["distance_to_cluster", "closest_cluster"], accept)

    def config(self) -> dict[str, Any]:
        return {
            "distanceToClusterColumnName": self.distanceToClusterColumnName,
            "closestClusterColumnName": self.closestClusterColumnName,
            **super().config(),
        }
