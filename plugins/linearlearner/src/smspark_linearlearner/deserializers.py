"""The Linear Learner container's answers, per predictor type, from RecordIO-protobuf, JSON
or JSON Lines."""

from __future__ import annotations

from typing import Any, ClassVar

from pyspark.ml.linalg import VectorUDT
from pyspark.sql.types import DataType, DoubleType, StructField, StructType

from smspark_core.algorithms.responses import AlgorithmResponseRowDeserializer
from smspark_core.foundation.keywords import attribute_aliases, keyword_aliases
from smspark_core.foundation.media_types import PROTOBUF


@attribute_aliases(
    score_column_name="scoreColumnName", predicted_label_column_name="predictedLabelColumnName"
)
class LinearLearnerBinaryClassifierProtobufResponseRowDeserializer(
    AlgorithmResponseRowDeserializer
):
    """``score`` (a probability with the logistic loss) and ``predicted_label`` (0 or 1)."""

    score_type: ClassVar[DataType] = DoubleType()

    @keyword_aliases(
        scoreColumnName="score_column_name", predictedLabelColumnName="predicted_label_column_name"
    )
    def __init__(
        self,
        score_column_name: str = "score",
        predicted_label_column_name: str = "predicted_label",
        accept: str = PROTOBUF,
    ) -> None:
        self.scoreColumnName = score_column_name
        self.predictedLabelColumnName = predicted_label_column_name
        schema = StructType(
            [
                StructField(score_column_name, self.score_type),
                StructField(predicted_label_column_name, DoubleType()),
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


@attribute_aliases(score_column_name="scoreColumnName")
class LinearLearnerRegressorProtobufResponseRowDeserializer(AlgorithmResponseRowDeserializer):
    """``score``: the predicted value."""

    @keyword_aliases(scoreColumnName="score_column_name")
    def __init__(self, score_column_name: str = "score", accept: str = PROTOBUF) -> None:
        self.scoreColumnName = score_column_name
        super().__init__(
            StructType([StructField(score_column_name, DoubleType())]), ["score"], accept
        )

    def config(self) -> dict[str, Any]:
        return {"scoreColumnName": self.scoreColumnName, **super().config()}
