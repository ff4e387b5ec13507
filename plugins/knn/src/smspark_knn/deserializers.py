"""The k-NN container's answers, from RecordIO-protobuf, JSON or JSON Lines.

``predicted_label`` always; in verbose mode (``verbose=true`` among the ``Accept``
parameters, e.g. ``application/json; verbose=true``) also ``distances`` (the k neighbours'
distances as the index metric reports them, nearest first) and ``labels`` (theirs)."""

from __future__ import annotations

from typing import Any

from pyspark.ml.linalg import VectorUDT
from pyspark.sql.types import DoubleType, StructField, StructType

from smspark_core.algorithms.responses import ACCEPTABLE, AlgorithmResponseRowDeserializer
from smspark_core.foundation.media_types import JSON, PROTOBUF, media_type

VERBOSE = "verbose=true"


class KNNProtobufResponseRowDeserializer(AlgorithmResponseRowDeserializer):
    """``predicted_label`` per row: the majority label (classifier) or the neighbours' mean
    label (regressor)."""

    def __init__(
        self, predicted_label_column_name: str = "predicted_label", accept: str = PROTOBUF
    ) -> None:
        self.predicted_label_column_name = predicted_label_column_name
        schema = StructType([StructField(predicted_label_column_name, DoubleType())])
        super().__init__(schema, ["predicted_label"], accept)

    def config(self) -> dict[str, Any]:
        return {"predicted_label_column_name": self.predicted_label_column_name, **super().config()}


class KNNVerboseResponseRowDeserializer(AlgorithmResponseRowDeserializer):
    """``predicted_label`` (a double) and the k ``distances`` and neighbour ``labels`` (two
    vectors) per row. ``accept`` is one of the three answer types; the model asks for it
    with ``; verbose=true`` appended, the service's way of asking for the neighbours."""

    def __init__(
        self,
        predicted_label_column_name: str = "predicted_label",
        distances_column_name: str = "distances",
        labels_column_name: str = "labels",
        accept: str = JSON,
    ) -> None:
        self.predicted_label_column_name = predicted_label_column_name
        self.distances_column_name = distances_column_name
        self.labels_column_name = labels_column_name
        schema = StructType(
            [
                StructField(predicted_label_column_name, DoubleType()),
                StructField(distances_column_name, VectorUDT()),
                StructField(labels_column_name, VectorUDT()),
            ]
        )
        kind, _ = media_type(accept)
        if kind not in ACCEPTABLE:
            raise ValueError(f"accept must be one of {', '.join(ACCEPTABLE)}, got {accept!r}")
        super().__init__(schema, ["predicted_label", "distances", "labels"], kind)
        self.accepts = f"{kind}; {VERBOSE}"

    def config(self) -> dict[str, Any]:
        return {
            "predicted_label_column_name": self.predicted_label_column_name,
            "distances_column_name": self.distances_column_name,
            "labels_column_name": self.labels_column_name,
            "accept": media_type(self.accepts)[0],
        }
