"""Staging training data: a DataFrame written from the executors to an S3 prefix in the
training format, and removed afterwards.

Formats: ``sagemaker`` (RecordIO-protobuf, the data source's records), ``libsvm``, ``csv``
(label first, no header) and ``parquet`` (label, then one column per feature), written by
the executors through boto3: no Hadoop S3 support is needed. The executors reach S3 with the
estimator's client spec, which travels inside the ``mapInArrow`` function (never in data
source options, which Spark prints), so they need no AWS settings of their own. Any other
format goes through Spark's own writer when Spark's Hadoop configuration can write S3 (EMRFS
or s3a); otherwise it is an error saying what to configure. ``gzip`` compresses the parts
themselves.
"""

from __future__ import annotations

import io
import json
import logging
import re
import uuid
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from botocore.exceptions import BotoCoreError, ClientError
from pyspark.sql import DataFrame
from pyspark.sql.types import IntegerType, LongType, StringType, StructField, StructType

from smspark_core.aws import ClientSpec
from smspark_core.aws.resources import S3AutoCreatePath, S3DataPath, S3PathFromConfig, split_s3_uri
from smspark_core.codecs.csv import csv_line
from smspark_core.codecs.libsvm import libsvm_line
from smspark_core.datasource.part_stores import PartStore, StagedPart
from smspark_core.foundation.connect import is_connect
from smspark_core.foundation.errors import SmsparkError
from smspark_core.transformation import arrow_vectors as av
from smspark_core.transformation.arrow_transport import for_map_in_arrow, standard_layout
from smspark_core.transformation.serializers import encode_records

log = logging.getLogger("smspark.staging")

NATIVE_FORMATS = ("sagemaker", "libsvm", "csv", "parquet")
EXTENSIONS = {"sagemaker": "pbr", "libsvm": "libsvm", "csv": "csv", "parquet": "parquet"}


# ------------------------------------------------------------------------ locations


def resolve_s3_path(resource: Any, job_name: str, conf: Any, spec: ClientSpec) -> S3DataPath:
    """Where one job's data goes: ``<path>/<job>`` under the configured location."""
    if isinstance(resource, S3DataPath):
        base = resource.objectPath.strip("/")
        return S3DataPath(resource.bucket, f"{base}/{job_name}" if base else job_name)
    if isinstance(resource, S3PathFromConfig):
        value = conf.get(resource.configKey, None)
        if not value:
            raise SmsparkError(
                f"no S3 location in the Spark conf key {resource.configKey!r}; set it to a "
                "bucket name or an s3:// URI"
            )
        if re.match(r"^s3[an]?://.+", value):
            return S3DataPath.from_s3_uri(f"{value.rstrip('/')}/{job_name}")
        return S3DataPath(value, f"{uuid.uuid4()}/{job_name}")
    if isinstance(resource, S3AutoCreatePath):
        return S3DataPath(auto_create_bucket(spec), f"{uuid.uuid4()}/{job_name}")
    raise TypeError(f"not an S3 location: {resource!r}")


def auto_create_bucket(spec: ClientSpec) -> str:
    """``<account>-sagemaker-<region>``, created if needed with public access blocked and
    default encryption on; a bucket you already own is used as it is."""
    account = spec.client("sts").get_caller_identity()["Account"]
    s3 = spec.client("s3")
    region = s3.meta.region_name
    bucket = f"{account}-sagemaker-{region}"
    request: dict[str, Any] = {"Bucket": bucket}
    if region != "us-east-1":
        request["CreateBucketConfiguration"] = {"LocationConstraint": region}
    try:
        s3.create_bucket(**request)
        log.info("created bucket %s", bucket)
    except ClientError as error:
        if error.response["Error"]["Code"] != "BucketAlreadyOwnedByYou":
            raise
        return bucket
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    return bucket


# ------------------------------------------------------------------------ encoders


def _dense(features: av.FeatureColumn) -> np.ndarray:
    if features.dense is not None:
        return features.dense
    indptr, indices, values, row_sizes = features.csr()
    sizes = np.unique(row_sizes)
    if len(sizes) > 1:
        raise SmsparkError(f"feature vectors have different sizes {sizes[:5].tolist()}")
    out = np.zeros((len(features), int(sizes[0])))
    out[np.repeat(np.arange(len(features)), np.diff(indptr)), indices] = values
    return out


def encode_part(batch: pa.RecordBatch, fmt: str, label: str, features: str, offset: int) -> bytes:
    """One batch in a training format (label first; optional for ``sagemaker``)."""
    if fmt == "sagemaker":
        present = label if label in batch.schema.names else None
        return bytes(encode_records(batch, features, present, row_offset=offset).data)
    for column, kind in ((label, "a numeric label"), (features, "a Vector")):
        if column not in batch.schema.names:
            raise SmsparkError(
                f"training data needs {kind} column named {column!r}; it has "
                f"{', '.join(batch.schema.names)}"
            )
    labels = av.label_column(batch.column(label), label, row_offset=offset)
    vectors = av.feature_column(batch.column(features), features, row_offset=offset)
    if fmt == "libsvm":
        return "".join(
            libsvm_line(labels[i], *vectors.row(i)[1:]) for i in range(len(vectors))
        ).encode()
    dense = _dense(vectors)
    if fmt == "csv":
        return "".join(csv_line([labels[i], *dense[i]]) for i in range(len(dense))).encode()
    table = pa.table({"label": labels, **{f"f{j}": dense[:, j] for j in range(dense.shape[1])}})
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


# ------------------------------------------------------------------------ staging


@dataclass(frozen=True)
class StagedData:
    """Where a job's training data is and how the channel reads it, and how many records
    were staged (None when Spark's own writer staged them and did not say), which lets an
    algorithm refuse too few rows before a training job is paid for."""

    s3_uri: str
    data_type: str  # "S3Prefix" or "ManifestFile"
    prefix_uri: str
    rows: int | None = None


def stage(
    df: DataFrame,
    fmt: str,
    options: dict[str, str],
    path: S3DataPath,
    spec: ClientSpec,
    *,
    compression: str | None = None,
    manifest: bool = False,
) -> StagedData:
    """Writes ``df`` under ``path`` from the executors; returns the channel's location."""
    uri = path.to_s3_uri()
    gzip = (compression or "").lower() == "gzip"
    if compression and not gzip:
        raise SmsparkError(f"trainingCompressionCodec must be gzip or None, got {compression!r}")
    rows = None
    if fmt in NATIVE_FORMATS:
        rows = _stage_with_executors(df, fmt, options, uri, spec, gzip)
    else:
        _stage_with_spark(df, fmt, options, uri, gzip)
    if manifest:
        return StagedData(write_manifest(uri, spec), "ManifestFile", uri, rows)
    return StagedData(uri, "S3Prefix", uri, rows)


def _stage_with_executors(df, fmt, options, uri, spec, gzip) -> int:
    """Stages ``df`` from the executors; returns how many records were written."""
    lowered = {k.lower(): v for k, v in options.items()}
    label = lowered.get("labelcolumnname", "label")
    features = lowered.get("featurescolumnname", "features")

    def encode(batch: pa.RecordBatch, offset: int) -> bytes:
        return encode_part(batch, fmt, label, features, offset)

    return sum(part.rows for part in write_parts(df, uri, spec, encode, EXTENSIONS[fmt], gzip=gzip))


@dataclass(frozen=True)
class WrittenPart:
    """One partition's part: its object name under the prefix (None when the partition was
    empty and ``skip_empty`` left it out) and its row count."""

    partition: int
    name: str | None
    rows: int


def write_parts(
    df: DataFrame,
    uri: str,
    spec: ClientSpec,
    encode: Callable[[pa.RecordBatch, int], bytes | tuple[bytes, bytes]],
    suffix: str,
    *,
    gzip: bool = False,
    skip_empty: bool = False,
    sidecar_uri: str | None = None,
) -> list[WrittenPart]:
    """Writes one object per partition under ``uri`` (replacing what is there) from the
    executors: ``encode(batch, rows_before)`` gives each Arrow batch's bytes in Spark's
    layout. Parts become visible only once every task has succeeded; returns them in
    partition order.

    With ``sidecar_uri``, ``encode`` returns ``(part bytes, sidecar bytes)`` and each part
    gets a sidecar object of the same name under ``sidecar_uri`` (never compressed), written
    by the same task attempt and made visible with its part, so a part and its sidecar always
    describe the same rows (Batch Transform keeps its row fingerprints there)."""
    store = PartStore.for_path(uri, spec)
    sidecars = PartStore.for_path(sidecar_uri, spec) if sidecar_uri else None
    job_id = uuid.uuid4().hex
    suffix = suffix + (".gz" if gzip else "")
    names = df.columns

    def write_partition(batches):
        from pyspark import TaskContext

        context = TaskContext.get()
        partition = context.partitionId()
        name = f"part-{partition:05d}-{job_id}.{suffix}"
        sinks = [store.open_part(name, job_id, context.attemptNumber())]
        if sidecars is not None:
            sinks.append(sidecars.open_part(name, job_id, context.attemptNumber()))
        compressor = zlib.compressobj(wbits=31) if gzip else None
        try:
            rows = 0
            for batch in (standard_layout(arrived, names) for arrived in batches):
                encoded = encode(batch, rows)
                data, extra = encoded if isinstance(encoded, tuple) else (encoded, b"")
                sinks[0].write(compressor.compress(data) if compressor else data)
                if len(sinks) > 1:
                    sinks[1].write(extra)
                rows += batch.num_rows
            if skip_empty and rows == 0:
                for sink in sinks:
                    sink.abort()
                staged = [None] * len(sinks)
            else:
                if compressor:
                    sinks[0].write(compressor.flush())
                staged = [asdict(sink.close()) for sink in sinks]
        except BaseException:
            for sink in sinks:
                sink.abort()
            raise
        yield pa.RecordBatch.from_pylist(
            [
                {
                    "partition": partition,
                    "rows": rows,
                    "part": json.dumps(staged[0]),
                    "sidecar": json.dumps(staged[1] if len(staged) > 1 else None),
                }
            ],
            schema=_PART_ROW,
        )

    stores = [store] if sidecars is None else [store, sidecars]
    try:
        written = for_map_in_arrow(df).mapInArrow(write_partition, _PART_SCHEMA).collect()
        for each in stores:
            each.clear()
        parts = []
        for row in sorted(written, key=lambda r: r.partition):
            staged = json.loads(row.part)
            for each, promoted in zip(stores, (staged, json.loads(row.sidecar))):
                if promoted is not None:
                    each.promote(StagedPart(**{**promoted, "etags": tuple(promoted["etags"])}))
            parts.append(WrittenPart(row.partition, staged and staged["name"], row.rows))
        return parts
    finally:
        for each in stores:
            each.cleanup_job(job_id)


_PART_SCHEMA = StructType(
    [
        StructField("partition", IntegerType()),
        StructField("rows", LongType()),
        StructField("part", StringType()),
        StructField("sidecar", StringType()),
    ]
)
_PART_ROW = pa.schema(
    [
        ("partition", pa.int32()),
        ("rows", pa.int64()),
        ("part", pa.string()),
        ("sidecar", pa.string()),
    ]
)


def _stage_with_spark(df, fmt, options, uri, gzip) -> None:
    writer = df.write.format(fmt).options(**options).mode("overwrite")
    if gzip:
        writer = writer.option("compression", "gzip")
    target = _spark_s3_target(df, uri, fmt)
    try:
        writer.save(target or uri)
    except Exception as error:
        if target is None and "No FileSystem for scheme" in str(error):
            raise _no_spark_s3(fmt) from error
        raise


def _spark_s3_target(df, uri: str, fmt: str) -> str | None:
    """``uri`` as Spark's own writer reaches it (EMRFS ``s3://`` or ``s3a://``), read from
    the Hadoop configuration on classic Spark; None over Spark Connect, where the client
    cannot see the server's Hadoop configuration (Databricks writes ``s3://`` itself) and
    an unknown scheme fails the write."""
    if is_connect(df.sparkSession):
        return None
    hadoop = df.sparkSession.sparkContext._jsc.hadoopConfiguration()
    if hadoop.get("fs.s3.impl"):
        return uri
    if hadoop.get("fs.s3a.impl"):
        return "s3a://" + uri[len("s3://") :]
    raise _no_spark_s3(fmt)


def _no_spark_s3(fmt: str) -> SmsparkError:
    return SmsparkError(
        f"trainingSparkDataFormat {fmt!r} needs Spark's own S3 support: smspark writes "
        f"{', '.join(NATIVE_FORMATS)} itself, but other formats go through Spark's writer. "
        "Configure EMRFS (fs.s3.impl) or s3a (hadoop-aws on the classpath and "
        "fs.s3a.impl), or use one of those formats."
    )


def write_manifest(prefix_uri: str, spec: ClientSpec) -> str:
    """A manifest file beside the prefix listing its objects; returns its URI."""
    bucket, prefix = split_s3_uri(prefix_uri)
    s3 = spec.client("s3")
    names = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{prefix}/"):
        names += [item["Key"][len(prefix) + 1 :] for item in page.get("Contents", [])]
    if not names:
        raise SmsparkError(f"no staged files found at {prefix_uri}")
    body = json.dumps([{"prefix": f"{prefix_uri}/"}, *sorted(names)])
    key = f"{prefix}.manifest"
    s3.put_object(Bucket=bucket, Key=key, Body=body.encode())
    return f"s3://{bucket}/{key}"


def delete_staging(staged: StagedData, spec: ClientSpec) -> int:
    """Removes one job's staged training data; returns how many objects.

    Errors are logged, not raised: training results matter more than the cleanup (callers
    that must report what was left behind use ``remove_staging``)."""
    try:
        return remove_staging(staged, spec)
    except (BotoCoreError, ClientError, SmsparkError) as error:
        log.warning("could not delete the staging data at %s: %s", staged.prefix_uri, error)
        return 0


def remove_staging(staged: StagedData, spec: ClientSpec) -> int:
    """Removes one job's staged objects (every page, only this job's keys) and returns how
    many; raises when S3 refused the listing or any key (SmsparkError naming the first
    refused key), so that nothing is reported removed that is still there."""
    bucket, prefix = split_s3_uri(staged.prefix_uri)
    s3 = spec.client("s3")
    keys = [
        item["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        for item in page.get("Contents", [])
        if item["Key"].startswith(f"{prefix}/") or item["Key"] == f"{prefix}.manifest"
    ]
    refused = []
    for start in range(0, len(keys), 1000):
        chunk = [{"Key": k} for k in keys[start : start + 1000]]
        answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": chunk, "Quiet": True})
        refused += answer.get("Errors", [])
    if refused:
        first = refused[0]
        raise SmsparkError(
            f"S3 refused to delete {len(refused)} of {len(keys)} objects under "
            f"{staged.prefix_uri}, for example s3://{bucket}/{first.get('Key')}: "
            f"{first.get('Code')}: {first.get('Message')}"
        )
    return len(keys)
