"""``format("sagemaker")``: one RecordIO-protobuf part file per partition, in the record
layout of the original SageMaker Spark writer, and a reader for such files
(``record_reader``).

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

import pyarrow as pa
from pyspark.sql.types import StructType

from smspark_core.aws import ClientSpec
from smspark_core.codecs import amazon_record
from smspark_core.datasource.part_stores import PartStore, StagedPart
from smspark_core.datasource.record_reader import READ_SCHEMA, SageMakerRecordReader
from smspark_core.datasource.spark_api import (
    DataSource,
    DataSourceArrowWriter,
    WriterCommitMessage,
)
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
        return READ_SCHEMA

    def writer(self, schema: StructType, overwrite: bool) -> SageMakerRecordWriter:
        return SageMakerRecordWriter(self.options, schema, overwrite, self.client_spec)

    def reader(self, schema: StructType) -> SageMakerRecordReader:
        return SageMakerRecordReader(self.options, schema, _store(self.options, self.client_spec))


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
        scratch = amazon_record.ScratchBuffer()  # each batch is written before the next
        try:
            rows = 0
            for batch in iterator:
                encoded = encode_records(
                    batch,
                    self.features,
                    self.label,
                    row_offset=rows,
                    where=f"partition {partition}",
                    scratch=scratch,
                )
                sink.write(compressor.compress(encoded.data) if compressor else encoded.data)
                rows += batch.num_rows
            if compressor:
                sink.write(compressor.flush())
            return PartsWritten([sink.close()])
        except BaseException:
            sink.abort()
            raise

    def commit(self, messages: list[WriterCommitMessage | None]) -> None:
        if self.overwrite:
            self.store.clear()
        for part in _parts(messages):
            self.store.promote(part)
        self.store.cleanup_job(self.job_id)

    def abort(self, messages: list[WriterCommitMessage | None]) -> None:
        for part in _parts(messages):
            self.store.discard(part)
        self.store.cleanup_job(self.job_id)


def _parts(messages: list[WriterCommitMessage | None]) -> Iterator[StagedPart]:
    """The parts the tasks staged: Spark passes back what each ``write`` returned (None
    for a task that failed)."""
    for message in messages:
        if isinstance(message, PartsWritten):
            yield from message.parts
