"""``KMeansProtobufResponseRowDeserializer``: the k-means container's answers as two
double columns, from RecordIO-protobuf, JSON or JSON Lines."""

from __future__ import annotations

from typing import Any

from pyspark.sql.types import DoubleType, StructField, StructType

from smspark_core.algorithms.responses import AlgorithmResponseRowDeserializer
from smspark_core.foundation.keywords import attribute_aliases, keyword_aliases
from smspark_core.foundation.media_types import PROTOBUF


@attribute_aliases(
    distance_to_cluster_column_name="distanceToClusterColumnName",
    closest_cluster_column_name="closestClusterColumnName",
)
class KMeansProtobufResponseRowDeserializer(AlgorithmResponseRowDeserializer):
    """``distance_to_cluster`` and ``closest_cluster`` per row (keys fixed by the
    container; column names configurable). ``accept="application/json"`` or
    ``"application/jsonlines"`` asks the endpoint for JSON instead of RecordIO-protobuf."""

    @keyword_aliases(
        distanceToClusterColumnName="distance_to_cluster_column_name",
        closestClusterColumnName="closest_cluster_column_name",
    )
    def __init__(
        self,
        distance_to_cluster_column_name: str = "distance_to_cluster",
        closest_cluster_column_name: str = "closest_cluster",
        accept: str = PROTOBUF,
    ) -> None:
        self.distanceToClusterColumnName = distance_to_cluster_column_name
        self.closestClusterColumnName = closest_cluster_column_name
        schema = StructType(
            [
                StructField(distance_to_cluster_column_name, DoubleType()),
                StructField(closest_cluster_column_name, DoubleType()),
            ]
        )
        super().__init__(schema, ["distance_to_cluster", "closest_cluster"], accept)

    def config(self) -> dict[str, Any]:
        return {
            "distanceToClusterColumnName": self.distanceToClusterColumnName,
            "closestClusterColumnName": self.closestClusterColumnName,
            **super().config(),
        }
