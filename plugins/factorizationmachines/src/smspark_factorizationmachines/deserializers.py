"""The Factorization Machines container's answers, per predictor type, from
RecordIO-protobuf, JSON or JSON Lines. Keywords are the original Python package's."""

from __future__ import annotations

from typing import Any

from pyspark.sql.types import DoubleType, StructField, StructType

from smspark_core.algorithms.responses import AlgorithmResponseRowDeserializer
from smspark_core.foundation.media_types import PROTOBUF


class FactorizationMachinesBinaryClassifierDeserializer(AlgorithmResponseRowDeserializer):
    """``score`` (the probability of class 1) and ``predicted_label`` (0 or 1, threshold
    0.5) per row."""

    def __init__(
        self,
        score_column_name: str = "score",
        predicted_label_column_name: str = "predicted_label",
        accept: str = PROTOBUF,
    ) -> None:
        self.score_column_name = score_column_name
        self.predicted_label_column_name = predicted_label_column_name
        schema = StructType(
            [
                StructField(score_column_name, DoubleType()),
                StructField(predicted_label_column_name, DoubleType()),
            ]
        )
        super().__init__(schema, ["score", "predicted_label"], accept)

    def config(self) -> dict[str, Any]:
        return {
            "score_column_name": self.score_column_name,
            "predicted_label_column_name": self.predicted_label_column_name,
            **super().config(),
        }


class FactorizationMachinesRegressorDeserializer(AlgorithmResponseRowDeserializer):
    """``score``: the predicted value per row."""

    def __init__(self, score_column_name: str = "score", accept: str = PROTOBUF) -> None:
        self.score_column_name = score_column_name
        super().__init__(
            StructType([StructField(score_column_name, DoubleType())]), ["score"], accept
        )

    def config(self) -> dict[str, Any]:
        return {"score_column_name": self.score_column_name, **super().config()}
