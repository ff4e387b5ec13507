"""The executor side of Batch Transform from a DataFrame: staging each partition's request
bytes as one S3 object, and attaching the job's ``.out`` predictions to the input rows.

Rows are matched by position, never by a sort or a join key: partition ``p`` is staged as
``part-<p>-<id>.<ext>`` holding its rows in order, the job writes ``<that name>.out``, and the
read-back runs the same DataFrame again, so partition ``p`` meets its own ``.out`` and its
``i``-th row the ``i``-th prediction. The input columns never go to SageMaker; only the
serializer's bytes do.

Matching by position is only right if the second evaluation gives each partition the same
rows in the same order, which Spark does not promise (rows after a shuffle arrive in the
order their blocks are fetched; ``rand()`` or a UDF may give other values). So the read-back
checks it instead of trusting it:

* every count (predictions against staged rows, staged rows against the rows that arrive
  again): a mismatch is an error naming the part and both counts;
* every row's **fingerprint**: at staging each row's request bytes (exactly what is sent to
  the model) are hashed to 64 bits (BLAKE2b) and kept beside the part
  (``fingerprints/<part name>``, written and committed by the same task attempt as the
  part); the read-back serializes each arriving row again with the same serializer and
  compares. The first row whose bytes differ is an error naming the partition, the row and
  the remedy (cache or checkpoint the input). Rows whose fingerprints are equal sent the
  same request bytes, so they get the same prediction: an order that differs only between
  such rows cannot change any result, and any other difference is caught (up to a 2^-64
  chance per row of two different requests hashing alike).

Errors raised here on the executors reach the driver inside Spark's ``PythonException``;
``raised_on_executors`` gives them back as the ``BatchReadBackError`` they were.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from pyspark.sql import DataFrame
from pyspark.sql.types import StructType

from smspark_core.aws import ClientSpec
from smspark_core.aws.resources import split_s3_uri
from smspark_core.codecs.inference_ids import (
    INFERENCE_ID_FIELD,
    INFERENCE_TIME_FIELD,
    split_inference_ids,
)
from smspark_core.executor.staging import WrittenPart, write_parts
from smspark_core.foundation.errors import SmsparkError
from smspark_core.foundation.media_types import (
    CSV,
    JSON,
    JSONLINES,
    LIBSVM_TYPES,
    PROTOBUF,
    media_type,
)
from smspark_core.transformation.arrow_transport import for_map_in_arrow, standard_layout
from smspark_core.transformation.arrow_vectors import arrow_type_for
from smspark_core.transformation.deserializers import ResponseRowDeserializer
from smspark_core.transformation.serializers import RequestRowSerializer, SerializedBatch

log = logging.getLogger(__name__)

# File extensions of the staged parts by content type, for people reading the bucket.
EXTENSIONS = {
    PROTOBUF: "pbr",
    CSV: "csv",
    JSONLINES: "jsonl",
    JSON: "json",
    **dict.fromkeys(LIBSVM_TYPES, "libsvm"),
}


class BatchReadBackError(SmsparkError):
    """Predictions that cannot be matched one to one with the input rows."""


# The last line of a Python traceback that Spark carried from an executor.
_EXECUTOR_ERROR = re.compile(r"(?:^|[\s.])BatchReadBackError: (.*)$", re.MULTILINE)


@contextmanager
def raised_on_executors() -> Iterator[None]:
    """Around a Spark action of the read-back: a ``BatchReadBackError`` raised in a task
    reaches the driver as Spark's ``PythonException`` (classic and Connect alike) whose text
    is the task's traceback; it is raised again here as a ``BatchReadBackError`` with its
    own message (Spark's error is its ``__cause__``). Other errors pass unchanged."""
    try:
        yield
    except SmsparkError:
        raise
    except Exception as error:
        found = _EXECUTOR_ERROR.findall(str(error))
        if not found:
            raise
        raise BatchReadBackError(found[-1].strip()) from error


def row_fingerprints(serialized: SerializedBatch) -> np.ndarray:
    """A 64-bit BLAKE2b digest of each row's request bytes, as little-endian uint64."""
    view = memoryview(serialized.data)
    bounds = serialized.offsets.tolist()
    digests = b"".join(
        [
            hashlib.blake2b(view[start:stop], digest_size=8).digest()
            for start, stop in zip(bounds[:-1], bounds[1:])
        ]
    )
    return np.frombuffer(digests, dtype="<u8")


@dataclass(frozen=True)
class StagedPart:
    """A staged partition: where its input object, its rows' fingerprints and its ``.out``
    are (keys in the staging bucket), and its rows."""

    partition: int
    input_key: str | None
    output_key: str | None
    rows: int
    fingerprints_key: str | None = None


def stage_requests(
    dataset: DataFrame,
    serializer: RequestRowSerializer,
    input_uri: str,
    output_uri: str,
    fingerprints_uri: str,
    spec: ClientSpec,
    *,
    split_type: str,
    gzip: bool = False,
) -> list[StagedPart]:
    """Writes each partition's serialized rows as one object under ``input_uri`` and their
    fingerprints as one object of the same name under ``fingerprints_uri`` (empty partitions
    write neither); returns every partition with the key its ``.out`` will have."""
    content_type = serializer.content_type
    line_split = split_type == "Line"

    def encode(batch: pa.RecordBatch, offset: int) -> tuple[bytes, bytes]:
        serialized = serializer.serialize_batch(batch, row_offset=offset)
        data = bytes(serialized.data)
        newlines = data.count(b"\n")
        if (
            line_split
            and batch.num_rows
            and (newlines != batch.num_rows or not data.endswith(b"\n"))
        ):
            raise SmsparkError(
                f"{type(serializer).__name__} must write one newline-terminated line per row "
                f"for SplitType Line ({content_type}); rows {offset}.."
                f"{offset + batch.num_rows - 1} gave {newlines} newlines. Set splitType to "
                "match the serializer."
            )
        return data, row_fingerprints(serialized).tobytes()

    extension = EXTENSIONS.get(media_type(content_type)[0], "bin")
    written = write_parts(
        dataset,
        input_uri,
        spec,
        encode,
        extension,
        gzip=gzip,
        skip_empty=True,
        sidecar_uri=fingerprints_uri,
    )
    prefixes = [split_s3_uri(uri)[1] for uri in (input_uri, output_uri, fingerprints_uri)]
    return [_staged(part, *prefixes) for part in written]


def _staged(
    part: WrittenPart, input_prefix: str, output_prefix: str, fingerprints_prefix: str
) -> StagedPart:
    if part.name is None:
        return StagedPart(part.partition, None, None, 0)
    return StagedPart(
        part.partition,
        f"{input_prefix}/{part.name}",
        f"{output_prefix}/{part.name}.out",
        part.rows,
        f"{fingerprints_prefix}/{part.name}",
    )


def response_bodies(data: bytes, accept: str, assemble_with: str) -> list[bytes]:
    """The response bodies inside one assembled ``.out`` object, as the deserializer reads
    them. Concatenated RecordIO, CSV, LibSVM and JSON Lines answers read as one body; JSON
    documents assembled with ``Line`` are one body per line (one per mini-batch)."""
    if assemble_with == "Line" and media_type(accept)[0] == JSON:
        return [line for line in data.split(b"\n") if line.strip()]
    return [data]


def written_parts(parts: list[StagedPart], output_uri: str, spec: ClientSpec) -> str | None:
    """How many of the staged parts have their ``.out`` object yet ("3 of 8 parts written"),
    for the watch of the job; None when the output cannot be listed (the watch goes on)."""
    expected = {part.output_key for part in parts if part.output_key}
    bucket, prefix = split_s3_uri(output_uri)
    try:
        pages = (
            spec.client("s3")
            .get_paginator("list_objects_v2")
            .paginate(Bucket=bucket, Prefix=prefix)
        )
        written = sum(
            1 for page in pages for item in page.get("Contents", []) if item["Key"] in expected
        )
    except Exception as error:  # noqa: BLE001 - progress is informative only
        log.debug("could not list %s for progress: %s", output_uri, error)
        return None
    return f"{written} of {len(expected)} parts written"


def attach_predictions(
    dataset: DataFrame,
    parts: list[StagedPart],
    bucket: str,
    serializer: RequestRowSerializer,
    deserializer: ResponseRowDeserializer,
    out_schema: StructType,
    spec: ClientSpec,
    *,
    accept: str,
    assemble_with: str,
    prepend: bool,
    inference_ids: bool = False,
) -> DataFrame:
    """``dataset`` with each row's prediction appended (or the predictions alone), read
    from the ``.out`` objects in the staging ``bucket`` on the executors, each row checked
    against its fingerprint (see the module docstring). With ``inference_ids`` (the job's
    GenerateInferenceId) each output record's inference id and time are taken off before
    the deserializer reads it and come back as two string columns after the predictions.
    Lazy: run its actions inside ``raised_on_executors``."""
    by_partition = {part.partition: part for part in parts}
    names = dataset.columns
    deserialized = pa.schema(
        [(f.name, arrow_type_for(f.dataType)) for f in deserializer.schema.fields]
    )
    id_fields = [(INFERENCE_ID_FIELD, pa.string()), (INFERENCE_TIME_FIELD, pa.string())]
    prediction_schema = pa.schema(list(deserialized) + (id_fields if inference_ids else []))

    def read(key: str, what: str, part: StagedPart) -> bytes:
        s3 = spec.client("s3")
        try:
            return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except s3.exceptions.NoSuchKey:
            raise BatchReadBackError(
                f"there is no {what} s3://{bucket}/{key} for partition {part.partition} "
                f"({part.rows} rows)"
            ) from None

    def predictions_of(part: StagedPart) -> pa.Table:
        if part.output_key is None:
            return prediction_schema.empty_table()
        data = read(part.output_key, "transform job output", part)
        where = f"s3://{bucket}/{part.output_key}"
        ids: list[str] = []
        times: list[str] = []
        if inference_ids:
            data, ids, times = split_inference_ids(data, accept, where)
        batches = [
            deserializer.deserialize_batch(body).cast(deserialized)
            for body in response_bodies(data, accept, assemble_with)
        ]
        table = pa.Table.from_batches(batches, deserialized)
        counts = {"predictions": table.num_rows}
        if inference_ids:
            counts["inference ids"] = len(ids)
        for what, count in counts.items():
            if count != part.rows:
                raise BatchReadBackError(
                    f"part {where} (partition {part.partition}) holds "
                    f"{count} {what} for {part.rows} staged rows"
                )
        if inference_ids:
            table = table.append_column(INFERENCE_ID_FIELD, pa.array(ids, pa.string()))
            table = table.append_column(INFERENCE_TIME_FIELD, pa.array(times, pa.string()))
        return table.combine_chunks()

    def fingerprints_of(part: StagedPart) -> np.ndarray:
        if part.fingerprints_key is None:
            return np.zeros(0, dtype="<u8")
        staged = np.frombuffer(read(part.fingerprints_key, "fingerprints", part), dtype="<u8")
        if len(staged) != part.rows:
            raise BatchReadBackError(
                f"s3://{bucket}/{part.fingerprints_key} holds {len(staged)} fingerprints for "
                f"the {part.rows} rows of partition {part.partition}"
            )
        return staged

    def attach(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from pyspark import TaskContext

        context = TaskContext.get()
        if context is None:
            raise BatchReadBackError("the read-back runs only inside a Spark task")
        partition = context.partitionId()
        part = by_partition.get(partition)
        if part is None:
            raise BatchReadBackError(
                f"partition {partition} was not staged (the input had {len(by_partition)} "
                "partitions when it was staged); make the input deterministic, for example "
                "with localCheckpoint()"
            )
        predictions = predictions_of(part)
        staged = fingerprints_of(part)
        row = 0
        for batch in (standard_layout(arrived, names) for arrived in batches):
            if row + batch.num_rows > part.rows:
                raise _changed(part, f"more than {part.rows}")
            arrived = row_fingerprints(serializer.serialize_batch(batch, row_offset=row))
            differ = np.flatnonzero(arrived != staged[row : row + batch.num_rows])
            if len(differ):
                raise _not_the_staged_row(part, row + int(differ[0]))
            slice_ = predictions.slice(row, batch.num_rows)
            columns = (list(batch.columns) if prepend else []) + [
                column.combine_chunks() for column in slice_.columns
            ]
            fields = (list(batch.schema) if prepend else []) + list(prediction_schema)
            yield pa.RecordBatch.from_arrays(columns, schema=pa.schema(fields))
            row += batch.num_rows
        if row != part.rows:
            raise _changed(part, str(row))

    return for_map_in_arrow(dataset).mapInArrow(attach, out_schema)


_REMEDY = (
    "cache(), checkpoint() or localCheckpoint() the input before transform so that each row "
    "meets its own prediction"
)


def _changed(part: StagedPart, rows: str) -> BatchReadBackError:
    return BatchReadBackError(
        f"partition {part.partition} had {part.rows} rows when staged ({part.input_key}) but "
        f"{rows} when read back: the input is not deterministic; {_REMEDY}"
    )


def _not_the_staged_row(part: StagedPart, row: int) -> BatchReadBackError:
    return BatchReadBackError(
        f"partition {part.partition}, row {row} (counted from 0 within the partition) is not "
        f"the row staged there ({part.input_key}): its request bytes differ from those sent "
        "to SageMaker, so it would get another row's prediction. The input gives other rows, "
        "or its rows in another order, each time it is evaluated (for example after "
        f"repartition() or another shuffle, or with rand() or a nondeterministic UDF); {_REMEDY}"
    )
