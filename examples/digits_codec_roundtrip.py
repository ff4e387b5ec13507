"""The main job until the k-means plugin lands: scikit-learn's digits (1797 x 64, bundled,
no download) through every smspark codec on Spark, and back.

1. writes the digits as SageMaker training files with ``format("sagemaker")`` (dense, and
   again as sparse vectors) and reads them back;
2. serializes them as request bodies with each built-in serializer inside ``mapInArrow``
   (the transform path) and decodes the bodies again;
3. checks every row survived, and prints sizes and timings.

Needs smspark-core[examples] installed (nothing from this folder).
Spark runs where ``SMSPARK_MASTER`` (a master URL) or ``SMSPARK_REMOTE`` (an ``sc://``
Spark Connect URL) says, ``local[2]`` by default; see ``smspark_local.session``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

import numpy as np
import pyarrow as pa
from pyspark.ml.functions import vector_to_array
from pyspark.ml.linalg import Vectors
from pyspark.sql import SparkSession
from pyspark.sql.types import BinaryType, StructField, StructType
from sklearn.datasets import load_digits
from smspark_local.session import spark_session

from smspark_core.codecs import amazon_record
from smspark_core.transformation.deserializers import LibSVMResponseRowDeserializer
from smspark_core.transformation.serializers import (
    LibSVMRequestRowSerializer,
    ProtobufRequestRowSerializer,
    UnlabeledCSVRequestRowSerializer,
)


def digits_frame(spark: SparkSession, sparse: bool):
    digits = load_digits()
    to_vector = (
        (lambda x: Vectors.sparse(64, {i: v for i, v in enumerate(x) if v}))
        if sparse
        else Vectors.dense
    )
    rows = [(float(y), to_vector(x.tolist())) for x, y in zip(digits.data, digits.target)]
    return spark.createDataFrame(rows, ["label", "features"]).repartition(2), digits


def request_bodies(df, serializer) -> list[bytes]:
    """One request body per Arrow batch, made by the serializer's batch path on executors."""

    def serialize(batches):
        for batch in batches:
            encoded = serializer.serialize_batch(batch)
            body = encoded.body(0, len(encoded))
            yield pa.RecordBatch.from_arrays([pa.array([body], pa.binary())], ["body"])

    schema = StructType([StructField("body", BinaryType())])
    return [bytes(r.body) for r in df.mapInArrow(serialize, schema).collect()]


def main() -> int:
    spark = spark_session("smspark-digits")
    out_dir = tempfile.mkdtemp(prefix="smspark-digits-")
    print(f"{'step':<64}{'rows':>6}{'bytes':>11}{'seconds':>9}  check")

    for sparse in (False, True):
        df, digits = digits_frame(spark, sparse)
        expected = np.column_stack([digits.target, digits.data])
        path = os.path.join(out_dir, "sparse" if sparse else "dense")
        started = time.perf_counter()
        df.write.format("sagemaker").mode("overwrite").save(path)
        back = (
            spark.read.format("sagemaker")
            .load(path)
            .select("label", vector_to_array("features").alias("x"))
        )
        got = np.array(sorted(([r.label, *r.x] for r in back.collect()), key=tuple))
        ok = np.array_equal(got, expected[np.lexsort(expected.T[::-1])])
        size = sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path))
        kind = "sparse" if sparse else "dense"
        print(
            f"{'format(sagemaker) write+read, ' + kind:<64}{len(got):>6}{size:>11}"
            f"{time.perf_counter() - started:>9.2f}  {'ok' if ok else 'MISMATCH'}"
        )
        if not ok:
            return 1

    df, digits = digits_frame(spark, sparse=False)
    for serializer in (
        ProtobufRequestRowSerializer(),
        LibSVMRequestRowSerializer(),
        UnlabeledCSVRequestRowSerializer(),
    ):
        started = time.perf_counter()
        bodies = request_bodies(df, serializer)
        if isinstance(serializer, ProtobufRequestRowSerializer):
            decoded = [r for b in bodies for r in amazon_record.decode_records(b)]
            rows = len(decoded)
            features = np.array([r.features["values"].float32_tensor.values for r in decoded])
        elif isinstance(serializer, LibSVMRequestRowSerializer):
            parsed = [
                r for b in bodies for r in LibSVMResponseRowDeserializer(64).deserialize_response(b)
            ]
            rows = len(parsed)
            features = np.array([r.features.toArray() for r in parsed])
        else:
            lines = [line for b in bodies for line in b.decode().splitlines()]
            rows = len(lines)
            features = np.array([[float(v) for v in line.split(",")] for line in lines])
        ok = rows == len(digits.data) and np.array_equal(
            features[np.lexsort(features.T[::-1])], digits.data[np.lexsort(digits.data.T[::-1])]
        )
        name = f"{type(serializer).__name__} ({serializer.content_type})"
        print(
            f"{name:<64}{rows:>6}{sum(map(len, bodies)):>11}"
            f"{time.perf_counter() - started:>9.2f}  {'ok' if ok else 'MISMATCH'}"
        )
        if not ok:
            return 1
    print(f"training files written under {out_dir}")
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
