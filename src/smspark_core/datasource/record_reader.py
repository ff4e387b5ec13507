"""Reading ``format("sagemaker")``: part files streamed in bounded chunks, each chunk's
records decoded into Arrow columns by ``codecs.record_columns`` (no loop over records).

The columns are ``label`` (double, null when a record has none) and ``features`` (vector).
Spark 4.1 pushes no column pruning down to Python data sources (its ``PythonScanBuilder``
implements filter pushdown only), so the reader is always asked for the schema it is given:
the default one, or the one passed to ``spark.read.schema(...)``. Given a schema that leaves
out ``features`` (``.schema("label double")``), the payloads are not decoded past the label:
the cheapest correct way to count records.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from contextlib import closing

import numpy as np
import pyarrow as pa
from pyspark.ml.linalg import VectorUDT
from pyspark.sql.types import DoubleType, StructField, StructType

from smspark_core.codecs import recordio
from smspark_core.codecs.record_columns import FeatureColumns, RecordColumns, decode_chunk
from smspark_core.datasource.part_stores import PartStore
from smspark_core.datasource.spark_api import DataSourceReader, InputPartition
from smspark_core.foundation.errors import SchemaError
from smspark_core.transformation import arrow_vectors as av

CHUNK_BYTES = 8 * 1024 * 1024
READ_SCHEMA = StructType(
    [StructField("label", DoubleType(), True), StructField("features", VectorUDT(), True)]
)
_INDEX_LIST = av.VECTOR_ARROW_TYPE.field("indices").type
_VALUE_LIST = av.VECTOR_ARROW_TYPE.field("values").type


class PartFile(InputPartition):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def requested_columns(schema: StructType) -> list[str]:
    """The columns of a read schema, checked: any of ``label`` (double) and ``features``
    (vector), in any order."""
    allowed = {f.name: f.dataType for f in READ_SCHEMA.fields}
    for field in schema.fields:
        if field.name not in allowed or type(field.dataType) is not type(allowed[field.name]):
            raise SchemaError(
                f'format("sagemaker") reads label (double) and features (vector); the schema '
                f"asks for {field.name} ({field.dataType.simpleString()})"
            )
    return schema.names


class SageMakerRecordReader(DataSourceReader):
    """One Spark partition per part file; each read as a stream of Arrow batches of about
    ``chunkBytes`` (option, default 8 MiB) of records, so memory does not grow with the part."""

    def __init__(self, options, schema: StructType, store: PartStore) -> None:
        self.path = options.get("path")
        self.store = store
        self.columns = requested_columns(schema)
        self.chunk_bytes = int(options.get("chunkbytes", CHUNK_BYTES))
        if self.chunk_bytes < recordio.HEADER_SIZE:
            raise ValueError(f"chunkBytes must be at least 8, got {self.chunk_bytes}")

    def partitions(self) -> list[PartFile]:
        names = self.store.list_parts()
        if not names:
            raise FileNotFoundError(f"no part-*.pbr files under {self.path}")
        return [PartFile(n) for n in names]

    def read(self, partition: InputPartition) -> Iterator[pa.RecordBatch]:
        assert isinstance(partition, PartFile)  # Spark passes back one of partitions()
        with closing(self.store.open(partition.name)) as raw:
            stream = gzip.GzipFile(fileobj=raw) if partition.name.endswith(".gz") else raw
            yield from read_part(stream, partition.name, self.columns, self.chunk_bytes)


def read_part(
    stream, source: str, columns: list[str], chunk_bytes: int = CHUNK_BYTES
) -> Iterator[pa.RecordBatch]:
    """The records of one part file as batches with ``columns``, a chunk at a time."""
    records = 0
    try:
        for buffer, framing in recordio.read_framed_chunks(stream, chunk_bytes):
            for decoded in decode_chunk(
                buffer,
                framing,
                features="features" in columns,
                first_record=records,
                source=source,
            ):
                yield columns_to_batch(decoded, columns)
                records += len(decoded)
    except recordio.RecordIOError as error:
        raise recordio.RecordIOError(f"{source}: {error}") from None


def columns_to_batch(decoded: RecordColumns, columns: list[str]) -> pa.RecordBatch:
    """Decoded records as an Arrow batch in Spark's layout for ``columns``."""
    arrays = {}
    if "label" in columns:
        arrays["label"] = pa.array(decoded.labels, pa.float64(), mask=~decoded.has_label)
    if "features" in columns:
        if decoded.features is None:
            raise ValueError("'features' requested from records decoded without features")
        arrays["features"] = _vector_array(decoded.features)
    if not columns:  # Spark counts the rows of a batch with no columns
        return pa.RecordBatch.from_struct_array(pa.array([{}] * len(decoded), pa.struct([])))
    return pa.RecordBatch.from_arrays([arrays[c] for c in columns], names=columns)


def _vector_array(f: FeatureColumns) -> pa.StructArray:
    """VectorUDT's struct: a dense row has a null size and null indices."""
    dense = pa.array(~f.sparse)
    return pa.StructArray.from_arrays(
        [
            pa.array(np.where(f.sparse, 0, 1).astype(np.int8)),
            pa.array(f.sizes.astype(np.int32), mask=~f.sparse),
            pa.ListArray.from_arrays(
                pa.array(f.index_offsets.astype(np.int32)),
                pa.array(f.indices.astype(np.int32)),
                type=_INDEX_LIST,
                mask=dense,
            ),
            pa.ListArray.from_arrays(
                pa.array(f.value_offsets.astype(np.int32)), pa.array(f.values), type=_VALUE_LIST
            ),
        ],
        fields=list(av.VECTOR_ARROW_TYPE),
    )
