"""``format("sagemaker")``: one RecordIO-protobuf part file per partition, in the record
layout of the original SageMaker Spark writer, and a reader for such files.

Write options (keys are case-insensitive): ``labelColumnName`` (default ``label``; the label
is written only when that column exists), ``featuresColumnName`` (default ``features``),
``compression`` (``gzip`` writes ``.pbr.gz`` parts), ``endpointUrl`` and ``region`` for S3
destinations, and ``saveMode``. S3 is reached with the client spec the format was registered
with (:func:`smspark_core.register_data_source`: the driver's default spec when one is
installed, as ``LocalSageMaker`` does), else with each executor's own boto3 configuration;
``endpointUrl`` and ``region`` override either. Spark accepts only the
``append`` and ``overwrite`` modes for Python data sources and rejects ``errorifexists``
before the source is asked; ``.option("saveMode", "errorifexists")`` gives that behaviour.
"""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from pyspark.ml.linalg import VectorUDT
from pyspark.sql.datasource import (
    DataSource,
    DataSourceArrowWriter,
    DataSourceReader,
    InputPartition,
    WriterCommitMessage,
)
from pyspark.sql.types import DoubleType, StructField, StructType

from smspark_core.aws import ClientSpec
from smspark_core.codecs import amazon_record
from smspark_core.datasource.part_stores import PartStore, StagedPart
from smspark_core.errors import SchemaError
from smspark_core.transformation import arrow_vectors as av
from smspark_core.transformation.serializers import encode_records

SAVE_MODES = ("append", "overwrite", "errorifexists")


def _store(options, registered: ClientSpec | None) -> PartStore:
    path = options.get("path")
    if not path:
        raise ValueError('format("sagemaker") needs a path: .save(path) or .load(path)')
    spec = None
    if path.startswith("s3"):
        spec = registered or ClientSpec.from_environment()
        if options.get("endpointurl"):
            urls = {**dict(spec.endpoint_urls), "s3": options["endpointurl"]}
            spec = spec.with_(endpoint_urls=urls)
        if options.get("region"):
            spec = spec.with_(region=options["region"])
    return PartStore.for_path(path, spec)


class SageMakerDataSource(DataSource):
    """The "sagemaker" format: Amazon Record training files.

    ``client_spec`` is how the writer and reader reach S3; None means each process's own
    boto3 configuration. :func:`bound_to` makes a subclass carrying a spec."""

    client_spec: ClientSpec | None = None

    @classmethod
    def name(cls) -> str:
        return "sagemaker"

    def schema(self) -> StructType:
        return StructType(
            [StructField("label", DoubleType(), True), StructField("features", VectorUDT(), True)]
        )

    def writer(self, schema: StructType, overwrite: bool) -> SageMakerRecordWriter:
        return SageMakerRecordWriter(self.options, schema, overwrite, self.client_spec)

    def reader(self, schema: StructType) -> SageMakerRecordReader:
        return SageMakerRecordReader(self.options, self.client_spec)


def bound_to(spec: ClientSpec | None) -> type[SageMakerDataSource]:
    """The "sagemaker" format reaching S3 with ``spec`` in every process.

    Spark pickles a registered data source with cloudpickle and runs it in Python workers
    whose environment is the JVM's, not this process's. A subclass made here is not
    importable by name, so it is pickled by value, its ``client_spec`` (credentials included,
    when the spec has them) travelling inside the registration rather than in options, which
    Spark shows in plans and logs."""
    if spec is None:
        return SageMakerDataSource
    return type(
        "SageMakerDataSource",
        (SageMakerDataSource,),
        {"client_spec": spec, "__module__": __name__, "__doc__": SageMakerDataSource.__doc__},
    )


@dataclass
class PartsWritten(WriterCommitMessage):
    """What one task staged."""

    parts: list[StagedPart]


class SageMakerRecordWriter(DataSourceArrowWriter):
    """Encodes each Arrow batch with the vectorized record encoder and stages one part per
    partition; the driver promotes the parts on commit."""

    def __init__(
        self, options, schema: StructType, overwrite: bool, spec: ClientSpec | None = None
    ) -> None:
        self.features = options.get("featurescolumnname", "features")
        label = options.get("labelcolumnname", "label")
        av.require_vector_field(schema, self.features, allow_matrix=True)
        self.label = label if label in schema.names else None
        if self.label is not None:
            av.require_numeric_field(schema, self.label)
        mode = options.get("savemode", "overwrite" if overwrite else "append").lower()
        if mode not in SAVE_MODES:
            raise ValueError(f"saveMode must be one of {', '.join(SAVE_MODES)}, got {mode!r}")
        self.overwrite = overwrite or mode == "overwrite"
        self.compression = (options.get("compression") or "none").lower()
        if self.compression not in ("none", "gzip"):
            raise ValueError(f"compression must be none or gzip, got {self.compression!r}")
        self.store = _store(options, spec)
        if mode == "errorifexists" and self.store.has_content():
            raise FileExistsError(
                f"path {options['path']} already exists and saveMode is errorifexists; "
                "use mode('overwrite') or mode('append')"
            )
        self.job_id = uuid.uuid4().hex

    def write(self, iterator: Iterator[pa.RecordBatch]) -> PartsWritten:
        from pyspark import TaskContext

        context = TaskContext.get()
        partition = context.partitionId() if context else 0
        attempt = context.attemptNumber() if context else 0
        gzip = self.compression == "gzip"
        name = f"part-{partition:05d}-{self.job_id}.pbr" + (".gz" if gzip else "")
        sink = self.store.open_part(name, self.job_id, attempt)
        compressor = zlib.compressobj(wbits=31) if gzip else None  # 31: the gzip container
        try:
            rows = 0
            for batch in iterator:
                encoded = encode_records(
                    batch,
                    self.features,
                    self.label,
                    row_offset=rows,
                    where=f"partition {partition}",
                )
                sink.write(compressor.compress(encoded.data) if compressor else encoded.data)
                rows += batch.num_rows
            if compressor:
                sink.write(compressor.flush())
            return PartsWritten([sink.close()])
        except BaseException:
            sink.abort()
            raise

    def commit(self, messages: list[PartsWritten | None]) -> None:
        if self.overwrite:
            self.store.clear()
        for message in messages:
            for part in message.parts if message else ():
                self.store.promote(part)
        self.store.cleanup_job(self.job_id)

    def abort(self, messages: list[PartsWritten | None]) -> None:
        for message in messages:
            for part in message.parts if message else ():
                self.store.discard(part)
        self.store.cleanup_job(self.job_id)


class PartFile(InputPartition):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class SageMakerRecordReader(DataSourceReader):
    """Reads part files back as ``label`` (double, null when absent) and ``features``."""

    def __init__(self, options, spec: ClientSpec | None = None) -> None:
        self.options = dict(options)
        self.store = _store(options, spec)

    def partitions(self) -> list[PartFile]:
        names = self.store.list_parts()
        if not names:
            raise FileNotFoundError(f"no part-*.pbr files under {self.options['path']}")
        return [PartFile(n) for n in names]

    def read(self, partition: PartFile) -> Iterator[pa.RecordBatch]:
        data = self.store.read(partition.name)
        if partition.name.endswith(".gz"):
            data = zlib.decompress(data, wbits=31)
        yield records_to_batch(data, partition.name)


def records_to_batch(stream: bytes, source: str = "") -> pa.RecordBatch:
    """Amazon Records (features under "values", optional label) as a label/features batch."""
    labels: list[float | None] = []
    vectors: list[dict] = []
    for index, record in enumerate(amazon_record.decode_records(stream)):
        if amazon_record.VALUES_KEY not in record.features:
            raise SchemaError(f"{source} record {index}: no features entry named 'values'")
        tensor = amazon_record.read_tensor(record.features[amazon_record.VALUES_KEY])
        vectors.append(_vector_value(tensor, f"{source} record {index}"))
        label = record.label.get(amazon_record.VALUES_KEY)
        label_tensor = amazon_record.read_tensor(label) if label is not None else None
        labels.append(
            float(label_tensor.values[0]) if label_tensor and len(label_tensor.values) else None
        )
    return pa.RecordBatch.from_arrays(
        [pa.array(labels, pa.float64()), pa.array(vectors, av.VECTOR_ARROW_TYPE)],
        names=["label", "features"],
    )


def _vector_value(tensor: amazon_record.Tensor | None, where: str) -> dict:
    if tensor is None:
        raise SchemaError(f"{where}: features are not a numeric tensor")
    if len(tensor.keys) or (len(tensor.shape) == 1 and len(tensor.values) != tensor.shape[0]):
        size = int(tensor.shape[0]) if len(tensor.shape) else 0
        return {
            "type": av.SPARSE,
            "size": size,
            "indices": tensor.keys.astype(np.int64).tolist(),
            "values": tensor.values.tolist(),
        }
    if len(tensor.shape) > 1:
        raise SchemaError(
            f"{where}: a matrix record (shape {tensor.shape.tolist()}) is not a vector"
        )
    return {"type": av.DENSE, "size": None, "indices": None, "values": tensor.values.tolist()}
