"""``XGBoostProbabilitiesRowDeserializer``: ``multi:softprob`` answers as one vector of class
probabilities per row."""

from __future__ import annotations

from typing import Any

import numpy as np
from pyspark.ml.linalg import DenseVector, VectorUDT
from pyspark.sql import Row
from pyspark.sql.types import StructField, StructType

from smspark_core.foundation.errors import ResponseError
from smspark_core.foundation.keywords import attribute_aliases, keyword_aliases
from smspark_core.foundation.media_types import CSV
from smspark_core.transformation.deserializers import ResponseRowDeserializer, json_scores


@attribute_aliases(probabilities_column_name="probabilitiesColumnName")
class XGBoostProbabilitiesRowDeserializer(ResponseRowDeserializer):
    """Each CSV line (comma-separated class probabilities) is one row's vector; a JSON or
    JSON Lines answer's ``score`` lists are read too."""

    accepts = CSV

    @keyword_aliases(probabilitiesColumnName="probabilities_column_name")
    def __init__(self, probabilities_column_name: str = "probabilities") -> None:
        self.probabilitiesColumnName = probabilities_column_name

    @property
    def schema(self) -> StructType:
        return StructType([StructField(self.probabilitiesColumnName, VectorUDT(), False)])

    def _vectors(self, body: bytes) -> list[DenseVector]:
        if body.lstrip()[:1] == b"{":
            scores = json_scores(body)
            return [DenseVector(np.atleast_1d(np.asarray(s, dtype=np.float64))) for s in scores]
        vectors = []
        for number, line in enumerate(body.decode("utf-8", "replace").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                values = [float(v) for v in line.strip().strip('"').split(",")]
            except ValueError:
                raise ResponseError(
                    f"line {number} of the CSV answer is not comma-separated numbers: {line[:80]!r}"
                ) from None
            vectors.append(DenseVector(values))
        return vectors

    def deserialize_response(self, body: bytes) -> list[Row]:
        row_type = Row(self.probabilitiesColumnName)
        return [row_type(vector) for vector in self._vectors(body)]

    def config(self) -> dict[str, Any]:
        return {"probabilitiesColumnName": self.probabilitiesColumnName}
