"""``PCAProtobufResponseRowDeserializer``: the PCA container's answers as a vector column."""

from __future__ import annotations

from typing import Any, ClassVar

from pyspark.ml.linalg import VectorUDT
from pyspark.sql.types import StructField, StructType

from smspark_core.algorithms.responses import AlgorithmResponseRowDeserializer
from smspark_core.foundation.keywords import attribute_aliases, keyword_aliases
from smspark_core.foundation.media_types import PROTOBUF


@attribute_aliases(projection_column_name="projectionColumnName")
class PCAProtobufResponseRowDeserializer(AlgorithmResponseRowDeserializer):
    """``projection`` per row as a Vector, also when num_components is 1 (the original gave
    a scalar there). Reads RecordIO-protobuf, JSON (``projections``) and JSON Lines."""

    json_key: ClassVar[str] = "projections"

    @keyword_aliases(projectionColumnName="projection_column_name")
    def __init__(self, projection_column_name: str = "projection", accept: str = PROTOBUF) -> None:
        self.projectionColumnName = projection_column_name
        schema = StructType([StructField(projection_column_name, VectorUDT())])
        super().__init__(schema, ["projection"], accept)

    def config(self) -> dict[str, Any]:
        return {"projectionColumnName": self.projectionColumnName, **super().config()}
