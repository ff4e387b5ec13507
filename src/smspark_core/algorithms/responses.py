"""Response deserializers for SageMaker's first-party algorithms.

Their containers answer in RecordIO-protobuf (one Record per row, results in the label
map), JSON (``{"predictions": [{key: value, ...}, ...]}``; PCA uses ``projections``) or JSON
Lines (one object per row). ``accept`` picks the ``Accept`` header the model sends; any of
the three bodies is read whatever was asked for, so a container that answers in another
format than requested is still understood.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
from pyspark.sql import Row
from pyspark.sql.types import StructType

from smspark_core.codecs import amazon_record, jsonlines
from smspark_core.foundation.errors import ResponseError
from smspark_core.foundation.media_types import JSON, JSONLINES, PROTOBUF
from smspark_core.transformation import arrow_vectors as av
from smspark_core.transformation.deserializers import ProtobufResponseRowDeserializer

ACCEPTABLE = (PROTOBUF, JSON, JSONLINES)


class AlgorithmResponseRowDeserializer(ProtobufResponseRowDeserializer):
    """A ``ProtobufResponseRowDeserializer`` that also reads the JSON and JSON Lines answers
    of the first-party containers (see the module docstring)."""

    json_key: ClassVar[str] = "predictions"

    def __init__(
        self, schema: StructType, protobufKeys: Sequence[str] | None = None, accept: str = PROTOBUF
    ) -> None:
        super().__init__(schema, protobufKeys)
        if accept not in ACCEPTABLE:
            raise ValueError(f"accept must be one of {', '.join(ACCEPTABLE)}, got {accept!r}")
        self.accepts = accept

    @staticmethod
    def _is_json(body: bytes) -> bool:
        return body.lstrip()[:1] in (b"{", b"[")

    def _json_objects(self, body: bytes) -> list[Any]:
        return jsonlines.response_objects(body, self.json_key)

    def _json_cells(self, item: Any, index: int) -> list[Any]:
        if not isinstance(item, dict):
            raise ResponseError(f"row {index} of the JSON response is not an object: {item!r}")
        cells = []
        for key, field in zip(self.protobufKeys, self.schema.fields):
            if key not in item:
                raise ResponseError(
                    f"row {index}: key {key!r} not found in the JSON response "
                    f"(keys present: {sorted(item)})"
                )
            raw = item[key]
            values = raw if isinstance(raw, list) else [raw]
            try:
                array = np.asarray(values, dtype=np.float64).ravel()
            except (TypeError, ValueError):
                raise ResponseError(f"row {index}, key {key!r}: not numeric: {raw!r}") from None
            tensor = amazon_record.Tensor(
                array, np.zeros(0, np.uint64), np.zeros(0, np.uint64), "float64"
            )
            cells.append(self._cell(tensor, field, key, index))
        return cells

    def _json_rows(self, body: bytes) -> list[list[Any]]:
        return [self._json_cells(item, i) for i, item in enumerate(self._json_objects(body))]

    def deserialize_response(self, body: bytes) -> list[Row]:
        if not self._is_json(body):
            return super().deserialize_response(body)
        row_type = Row(*self.schema.names)
        return [row_type(*cells) for cells in self._json_rows(body)]

    def deserialize_batch(self, body: bytes) -> pa.RecordBatch:
        if not self._is_json(body):
            return super().deserialize_batch(body)
        return av.rows_to_batch(self._json_rows(body), self.schema)

    def config(self) -> dict[str, Any]:
        """Subclasses fix schema and keys; they add their column names to this."""
        return {"accept": self.accepts}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> AlgorithmResponseRowDeserializer:
        return cls(**config)
