"""What ``SageMakerModel.transform`` runs in each Spark task (through ``mapInArrow``): the
partition's Arrow batches, put back in Spark's vector layout, go through the invoke engine
(``EndpointInvoker``: packed requests, several in flight, retries within a deadline), and
come out as the input columns (when kept) beside the predictions, one output row per input
row, in order. The partition's counters ride on its last row for ``transformStats``.

A class rather than a closure so that what is shipped to the executors is explicit: the
settings, the client spec and the codecs, all picklable, never a client or a session."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from smspark_core.aws.clients import ClientSpec
from smspark_core.executor import transform_stats
from smspark_core.executor.invoke import EndpointInvoker, InvokeSettings
from smspark_core.transformation.arrow_transport import standard_layout
from smspark_core.transformation.deserializers import ResponseRowDeserializer
from smspark_core.transformation.serializers import RequestRowSerializer

ERROR_COLUMN = "sagemaker_error"


@dataclass(frozen=True)
class PartitionPredictor:
    """The function ``mapInArrow`` runs on each partition (see the module docstring)."""

    settings: InvokeSettings
    client_spec: ClientSpec
    serializer: RequestRowSerializer
    deserializer: ResponseRowDeserializer
    keep_input: bool  # prependResultRows
    column_names: tuple[str, ...]  # the input's, in Spark's layout

    @property
    def with_errors(self) -> bool:
        return self.settings.error_mode == "column"

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        invoker = EndpointInvoker(self.settings, self.client_spec)
        names = list(self.column_names)
        spark_layout = (standard_layout(batch, names) for batch in batches)
        held = None  # the last non-empty batch, which carries the partition's counters
        for batch, result in invoker.predict_batches(
            spark_layout, self._serialize, self.deserializer
        ):
            if batch.num_rows == 0:
                yield self._output(batch, result)
                continue
            if held is not None:
                yield self._output(*held)
            held = (batch, result)
        if held is not None:
            record = transform_stats.partition_record(invoker.limit_path(), _attempt())
            yield self._output(*held, record)

    def _serialize(self, batch: pa.RecordBatch, row_offset: int) -> Any:
        return self.serializer.serialize_batch(batch, row_offset=row_offset)

    def _output(self, batch: pa.RecordBatch, result: Any, record: Any = None) -> pa.RecordBatch:
        columns = (list(batch.columns) if self.keep_input else []) + list(result.batch.columns)
        fields = (list(batch.schema) if self.keep_input else []) + list(result.batch.schema)
        if self.with_errors:
            columns.append(pa.array(result.errors, pa.string()))
            fields.append(pa.field(ERROR_COLUMN, pa.string()))
        columns.append(transform_stats.stats_array(batch.num_rows, record))
        fields.append(pa.field(transform_stats.STATS_COLUMN, transform_stats.STATS_ARROW_TYPE))
        return pa.RecordBatch.from_arrays(columns, schema=pa.schema(fields))


def _attempt() -> int:
    """This task's attempt number (0 outside a Spark task)."""
    from pyspark import TaskContext

    context = TaskContext.get()
    return context.attemptNumber() if context else 0
