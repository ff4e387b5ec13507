"""The Linear Learner container's answers, per predictor type, from RecordIO-protobuf, JSON
or JSON Lines."""

from __future__ import annotations

from typing import Any, ClassVar

from pyspark.ml.linalg import VectorUDT
from pyspark.sql.types import DataType, DoubleType, StructField, StructType

from smspark_core.algorithms.responses import AlgorithmResponseRowDeserializer
from smspark_core.transformation.serializers import PROTOBUF


class LinearLearnerBinaryClassifierProtobufResponseRowDeserializer(
    AlgorithmResponseRowDeserializer
):
    """``score`` (a probability with the logistic loss) and ``predicted_label`` (0 or 1)."""

    score_type: ClassVar[DataType] = DoubleType()

    def __init__(
        self,
        scoreColumnName: str = "score",
        predictedLabelColumnName: str = "predicted_label",
        accept: str = PROTOBUF,
    ) -> None:
        self.scoreColumnName = scoreColumnName
        self.predictedLabelColumnName = predictedLabelColumnName
        schema = StructType(
            [
                StructField(scoreColumnName, self.score_type),
                StructField(predictedLabelColumnName, DoubleType()),
            ]
        )
        super().__init__(schema, ["score", "predicted_label"], accept)

    def config(self) -> dict[str, Any]:
        return {
            "scoreColumnName": self.scoreColumnName,
            "predictedLabelColumnName": self.predictedLabelColumnName,
            **super().config(),
        }


class LinearLearnerMultiClassClassifierProtobufResponseRowDeserializer(
    LinearLearnerBinaryClassifierProtobufResponseRowDeserializer
):
    """``score``: a vector of class probabilities; ``predicted_label``: the class index."""

    score_type: ClassVar[DataType] = VectorUDT()


class LinearLearnerRegressorProtobufResponseRowDeserializer(AlgorithmResponseRowDeserializer):
    """``score``: the predicted value."""

    def __init__(self, scoreColumnName: str = "score", accept: str = PROTOBUF) -> None:
        self.scoreColumnName = scoreColumnName
        super().__init__(
            StructType([StructField(scoreColumnName, DoubleType())]), ["score"], accept
        )

    def config(self) -> dict[str, Any]:
        return {"scoreColumnName": self.scoreColumnName, **super().config()}
