"""The "sagemaker" data source: the original's bytes, save modes, commit/abort, S3, reading."""

from __future__ import annotations

import json

import numpy as np
import pytest
from golden import GOLDEN, load, row_cases, rows_of, schema_of
from pyspark.ml.linalg import DenseVector, SparseVector, Vectors, VectorUDT
from pyspark.sql import functions as F
from pyspark.sql.types import DoubleType, IntegerType, StringType, StructField, StructType

from smspark_core.codecs import amazon_record
from smspark_core.transformation.arrow_transport import arrow_friendly

pytestmark = pytest.mark.spark

LABELED = StructType([StructField("label", DoubleType()), StructField("features", VectorUDT())])


def _part_files(path):
    return sorted(p for p in path.iterdir() if p.name.startswith("part-"))


@pytest.mark.parametrize("layout", ["udt", "arrow_friendly"])
@pytest.mark.parametrize("case_name", row_cases())
def test_writer_matches_original(spark, tmp_path, case_name, layout):
    """Also for vectors in the layout fit() stages them in (arrow_transport)."""
    case = load("rows", case_name)
    meta = json.loads((GOLDEN / "writer" / case_name / "meta.json").read_text())
    df = spark.createDataFrame(rows_of(case), schema_of(case))
    if layout == "arrow_friendly":
        df = arrow_friendly(df)
    writer = df.coalesce(1).write.format("sagemaker").options(**meta["options"]).mode("overwrite")
    out = tmp_path / "out"
    if "error" in meta and case_name != "label_int_type":  # int labels: a deliberate fix
        with pytest.raises(Exception, match="features"):
            writer.save(str(out))
        assert not out.exists() or _part_files(out) == []
        return
    writer.save(str(out))
    parts = _part_files(out)
    assert len(parts) == 1
    assert parts[0].name.endswith(".pbr") and parts[0].name.startswith("part-00000-")
    if case_name == "label_int_type":
        records = amazon_record.decode_records(parts[0].read_bytes())
        assert list(records[0].label["values"].float32_tensor.values) == [1.0]
        return
    assert parts[0].read_bytes() == (GOLDEN / "writer" / case_name / "part-00000.pbr").read_bytes()


def test_one_part_per_partition_and_no_success_marker(spark, tmp_path):
    df = spark.createDataFrame(
        [(float(i), Vectors.dense([i, i + 1.0])) for i in range(10)], LABELED
    ).repartition(3)
    df.write.format("sagemaker").mode("overwrite").save(str(tmp_path / "o"))
    names = sorted(p.name for p in (tmp_path / "o").iterdir())
    assert [n[:10] for n in names] == ["part-00000", "part-00001", "part-00002"]
    assert len({n[11:] for n in names}) == 1  # one job uuid for all parts
    # No _SUCCESS or staging leftovers: an S3Prefix training channel reads every object.
    assert all(n.endswith(".pbr") for n in names)


def test_option_keys_are_case_insensitive(spark, tmp_path):
    df = spark.createDataFrame([(Vectors.dense([1.0]), 7.0)], ["feats", "y"])
    df.write.format("sagemaker").option("FEATURESCOLUMNNAME", "feats").option(
        "LabelColumnName", "y"
    ).mode("overwrite").save(str(tmp_path / "o"))
    read = spark.read.format("sagemaker").load(str(tmp_path / "o")).collect()
    assert read[0].label == 7.0 and read[0].features == DenseVector([1.0])


def test_append_overwrite_and_errorifexists(spark, tmp_path):
    out = str(tmp_path / "o")
    df = spark.createDataFrame([(1.0, Vectors.dense([1.0, 2.0]))], LABELED).coalesce(1)
    df.write.format("sagemaker").mode("append").save(out)
    df.write.format("sagemaker").mode("append").save(out)
    assert spark.read.format("sagemaker").load(out).count() == 2
    df.write.format("sagemaker").mode("overwrite").save(out)
    assert spark.read.format("sagemaker").load(out).count() == 1
    with pytest.raises(Exception, match="already exists"):
        df.write.format("sagemaker").option("saveMode", "errorifexists").mode("append").save(out)
    fresh = str(tmp_path / "fresh")
    df.write.format("sagemaker").option("saveMode", "errorifexists").mode("append").save(fresh)
    assert spark.read.format("sagemaker").load(fresh).count() == 1


def test_failed_task_leaves_no_partial_parts(spark, tmp_path):
    """A row that fails mid-partition aborts the job: no part file of it is visible and the
    staging area is gone, while a previous good write stays intact."""
    out = tmp_path / "o"
    good = spark.createDataFrame([(1.0, Vectors.dense([1.0]))], LABELED).coalesce(1)
    good.write.format("sagemaker").mode("overwrite").save(str(out))
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    rows = [(float(i), Vectors.dense([float(i)])) for i in range(50)] + [
        (None, Vectors.dense([0.0]))
    ]
    bad = spark.createDataFrame(rows, LABELED).repartition(2)
    with pytest.raises(Exception, match="label is null"):
        bad.write.format("sagemaker").mode("overwrite").save(str(out))
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_bad_input_names_column_and_row(spark, tmp_path):
    schema = StructType([StructField("label", DoubleType()), StructField("features", VectorUDT())])
    df = spark.createDataFrame([(1.0, Vectors.dense([1.0])), (2.0, None)], schema).coalesce(1)
    with pytest.raises(
        Exception, match=r"column 'features', row 1 of partition 0: features value is null"
    ):
        df.write.format("sagemaker").mode("overwrite").save(str(tmp_path / "a"))
    not_vector = spark.createDataFrame([(1.0, "x")], ["label", "features"])
    with pytest.raises(Exception, match="column 'features' must be a Vector or Matrix, got string"):
        not_vector.write.format("sagemaker").mode("overwrite").save(str(tmp_path / "b"))
    text_label = spark.createDataFrame([("a", Vectors.dense([1.0]))], ["label", "features"])
    with pytest.raises(Exception, match="label column 'label' must be numeric"):
        text_label.write.format("sagemaker").mode("overwrite").save(str(tmp_path / "c"))
    missing = spark.createDataFrame([(1.0, Vectors.dense([1.0]))], ["label", "x"])
    with pytest.raises(Exception, match="expected a Vector column named 'features'"):
        missing.write.format("sagemaker").mode("overwrite").save(str(tmp_path / "d"))


def test_integer_and_float_labels_are_cast(spark, tmp_path):
    schema = StructType([StructField("label", IntegerType()), StructField("features", VectorUDT())])
    df = spark.createDataFrame([(3, Vectors.dense([1.0]))], schema)
    df = (
        df.withColumn("f", F.col("label").cast("float"))
        .drop("label")
        .withColumnRenamed("f", "label")
    )
    for frame in (spark.createDataFrame([(3, Vectors.dense([1.0]))], schema), df):
        out = str(tmp_path / frame.schema["label"].dataType.simpleString())
        frame.write.format("sagemaker").mode("overwrite").save(out)
        assert spark.read.format("sagemaker").load(out).first().label == 3.0


def test_read_back_dense_sparse_and_unlabeled(spark, tmp_path):
    rows = [
        (1.5, Vectors.dense([0.5, -1.0, 3.0])),
        (-2.0, Vectors.sparse(5, [1, 4], [2.0, 0.0])),
        (0.0, Vectors.sparse(3, [], [])),
    ]
    out = str(tmp_path / "o")
    spark.createDataFrame(rows, LABELED).write.format("sagemaker").mode("overwrite").save(out)
    back = spark.read.format("sagemaker").load(out).collect()
    assert [r.label for r in back] == [1.5, -2.0, 0.0]
    assert back[0].features == DenseVector([0.5, -1.0, 3.0])
    assert back[1].features == SparseVector(5, [1, 4], [2.0, 0.0])
    assert back[2].features == SparseVector(3, [], [])
    unlabeled = spark.createDataFrame([(Vectors.dense([1.0]), "x")], ["features", "id"])
    unlabeled.write.format("sagemaker").mode("overwrite").save(str(tmp_path / "u"))
    assert spark.read.format("sagemaker").load(str(tmp_path / "u")).first().label is None


def test_reading_a_path_without_parts_is_a_clear_error(spark, tmp_path):
    with pytest.raises(Exception, match="no part-\\*.pbr files"):
        spark.read.format("sagemaker").load(str(tmp_path / "nothing")).collect()


def test_large_jvm_generated_dense_round_trip(spark, tmp_path):
    """Many batches and partitions through the vectorized path, checked against float32."""
    from pyspark.ml.functions import array_to_vector

    df = spark.range(0, 25_000, numPartitions=3).select(
        F.col("id").cast("double").alias("label"),
        array_to_vector(F.array(*[F.rand(seed=i) * 100 - 50 for i in range(12)])).alias("features"),
    )
    out = str(tmp_path / "o")
    df.write.format("sagemaker").mode("overwrite").save(out)
    expected = {r.label: r.features.toArray() for r in df.collect()}
    back = spark.read.format("sagemaker").load(out).collect()
    assert len(back) == 25_000
    for row in back:
        np.testing.assert_array_equal(
            row.features.toArray(), expected[row.label].astype(np.float32)
        )


@pytest.mark.s3
def test_s3_write_read_overwrite_and_abort(spark, s3, s3_endpoint):
    client, bucket = s3
    uri = f"s3://{bucket}/training/data"
    df = spark.createDataFrame(
        [(float(i), Vectors.sparse(4, [i % 4], [1.0])) for i in range(8)], LABELED
    ).repartition(2)
    writer = df.write.format("sagemaker").option("endpointUrl", s3_endpoint)
    writer.mode("overwrite").save(uri)
    writer.mode("append").save(uri)
    reader = spark.read.format("sagemaker").option("endpointUrl", s3_endpoint)
    assert reader.load(uri).count() == 16
    writer.mode("overwrite").save(uri)
    assert sorted(r.label for r in reader.load(uri).collect()) == [float(i) for i in range(8)]
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]]
    assert len(keys) == 2 and all(k.startswith("training/data/part-") for k in keys)

    bad = spark.createDataFrame(
        [(1.0, Vectors.dense([1.0])), (None, Vectors.dense([1.0]))], LABELED
    )
    with pytest.raises(Exception, match="label is null"):
        bad.repartition(2).write.format("sagemaker").option("endpointUrl", s3_endpoint).mode(
            "append"
        ).save(uri)
    assert sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]) == sorted(
        keys
    )
    assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


@pytest.mark.s3
def test_s3_multipart_part_larger_than_one_chunk(spark, s3, s3_endpoint):
    from pyspark.ml.functions import array_to_vector

    client, bucket = s3
    uri = f"s3://{bucket}/big"
    df = spark.range(0, 6_000, numPartitions=1).select(
        F.lit(1.0).alias("label"),
        array_to_vector(F.array(*[F.rand(seed=i) for i in range(400)])).alias("features"),
    )  # ~9.7 MB in one part: two multipart chunks
    df.write.format("sagemaker").option("endpointUrl", s3_endpoint).mode("overwrite").save(uri)
    [item] = client.list_objects_v2(Bucket=bucket, Prefix="big/")["Contents"]
    assert item["Size"] > 8 * 1024 * 1024
    body = client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
    assert len(amazon_record.decode_records(body)) == 6_000


def test_extra_string_columns_are_ignored(spark, tmp_path):
    schema = StructType(
        [
            StructField("id", StringType()),
            StructField("features", VectorUDT()),
            StructField("label", DoubleType()),
        ]
    )
    df = spark.createDataFrame([("a", Vectors.dense([1.0]), 2.0)], schema)
    df.write.format("sagemaker").mode("overwrite").save(str(tmp_path / "o"))
    assert spark.read.format("sagemaker").load(str(tmp_path / "o")).first().label == 2.0


def test_import_registers_the_format_with_the_active_session(tmp_path):
    """In a fresh process: a session exists first, then ``import smspark_core`` is enough."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(
        f"""
        from pyspark.ml.linalg import Vectors
        from pyspark.sql import SparkSession
        spark = (SparkSession.builder.master("local[1]")
                 .config("spark.ui.enabled", "false").getOrCreate())
        import smspark_core  # noqa: F401
        df = spark.createDataFrame([(1.0, Vectors.dense([1.0]))], ["label", "features"])
        df.write.format("sagemaker").mode("overwrite").save({str(tmp_path / "o")!r})
        print(spark.read.format("sagemaker").load({str(tmp_path / "o")!r}).count())
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("1")


def test_gzip_compression_really_compresses(spark, tmp_path):
    import gzip

    rows = [(float(i % 3), Vectors.dense([0.0] * 50)) for i in range(2000)]
    df = spark.createDataFrame(rows, LABELED).coalesce(1)
    df.write.format("sagemaker").mode("overwrite").save(str(tmp_path / "plain"))
    df.write.format("sagemaker").option("compression", "gzip").mode("overwrite").save(
        str(tmp_path / "gz")
    )
    [plain] = _part_files(tmp_path / "plain")
    [packed] = _part_files(tmp_path / "gz")
    assert packed.name.endswith(".pbr.gz") and packed.stat().st_size < plain.stat().st_size / 10
    assert gzip.decompress(packed.read_bytes()) == plain.read_bytes()
    assert spark.read.format("sagemaker").load(str(tmp_path / "gz")).count() == 2000


def test_read_streams_each_part_in_chunks(spark, tmp_path):
    """Parts far larger than one chunk (``chunkBytes``), with records straddling every chunk
    boundary, come back exactly and in their order, dense and sparse alike."""
    from pyspark.ml.functions import array_to_vector

    dense = spark.range(0, 3_000, numPartitions=1).select(
        F.col("id").cast("double").alias("label"),
        array_to_vector(F.array(*[F.rand(seed=i) for i in range(50)])).alias("features"),
    )
    sparse_rows = [
        (float(i), Vectors.sparse(400, sorted({(i * 7) % 400, (i * 13 + 1) % 400}), [1.5, -2.0]))
        if i % 3
        else (float(i), Vectors.sparse(400, [], []))
        for i in range(900)
    ]
    sparse = spark.createDataFrame(sparse_rows, LABELED).coalesce(1)
    for name, df in (("dense", dense), ("sparse", sparse)):
        out = str(tmp_path / name)
        df.write.format("sagemaker").mode("overwrite").save(out)
        [part] = _part_files(tmp_path / name)
        assert part.stat().st_size > 5 * 10_007
        back = spark.read.format("sagemaker").option("chunkBytes", 10_007).load(out).collect()
        expected = df.collect()
        assert [r.label for r in back] == [r.label for r in expected]
        for got, want in zip(back, expected):
            assert type(got.features) is type(want.features)
            np.testing.assert_array_equal(
                got.features.toArray(), want.features.toArray().astype(np.float32)
            )


def test_round_trip_of_empty_vectors_and_gzip_parts(spark, tmp_path):
    rows = [
        (1.0, Vectors.dense([])),
        (2.0, Vectors.sparse(0, [], [])),
        (3.0, Vectors.sparse(70_000, [0, 300, 69_999], [1.0, 2.0, 3.0])),
        (4.0, Vectors.dense([0.25] * 200)),
    ]
    df = spark.createDataFrame(rows, LABELED).coalesce(1)
    out = str(tmp_path / "gz")
    df.write.format("sagemaker").option("compression", "gzip").mode("overwrite").save(out)
    back = spark.read.format("sagemaker").option("chunkBytes", 64).load(out).collect()
    assert [(r.label, r.features) for r in back] == rows


def test_label_only_reads_and_counts_do_not_decode_features(spark, tmp_path):
    """Spark 4.1 asks a Python data source for every column of its schema (no pruning), so
    count() of the default schema decodes the features; a schema without them does not:
    features that are not even numbers are never looked at."""
    from smspark_core.codecs import recordio
    from smspark_core.codecs.record_pb2 import Record

    records = []
    for i in range(5):
        record = Record()
        record.features["values"].bytes.value.append(b"not numbers")
        record.label["values"].float32_tensor.values.append(float(i))
        records.append(recordio.frame(record.SerializeToString()))
    (tmp_path / "part-00000-x.pbr").write_bytes(b"".join(records))
    path = str(tmp_path)
    labels = spark.read.format("sagemaker").schema("label double").load(path)
    assert labels.count() == 5
    assert [r.label for r in labels.collect()] == [0.0, 1.0, 2.0, 3.0, 4.0]
    with pytest.raises(Exception, match="record 0: features are not a numeric tensor"):
        spark.read.format("sagemaker").load(path).count()


def test_read_schema_must_be_label_and_or_features(spark, tmp_path):
    out = str(tmp_path / "o")
    spark.createDataFrame([(1.0, Vectors.dense([1.0]))], LABELED).write.format("sagemaker").mode(
        "overwrite"
    ).save(out)
    swapped = spark.read.format("sagemaker").schema(
        StructType([StructField("features", VectorUDT()), StructField("label", DoubleType())])
    )
    assert swapped.load(out).first() == (DenseVector([1.0]), 1.0)
    with pytest.raises(Exception, match=r"reads label \(double\) and features \(vector\)"):
        spark.read.format("sagemaker").schema("label string").load(out).collect()


def test_the_vector_layout_the_format_checks_is_the_arrow_layout_it_encodes():
    from pyspark.sql.pandas.types import from_arrow_type

    from smspark_core.datasource.spark_api import VECTOR_SQL_TYPE
    from smspark_core.transformation.arrow_vectors import VECTOR_ARROW_TYPE

    assert from_arrow_type(VECTOR_ARROW_TYPE).simpleString() == VECTOR_SQL_TYPE
    assert VectorUDT.sqlType().simpleString() == VECTOR_SQL_TYPE  # this pyspark's


@pytest.mark.parametrize(
    ("breakage", "named"),
    [
        ("del pyspark.sql.datasource.DataSourceArrowWriter",
         "pyspark.sql.datasource.DataSourceArrowWriter"),
        ("sys.modules['pyspark.sql.datasource'] = None",
         "the Python Data Source API (module pyspark.sql.datasource"),
        ("VectorUDT.sqlType = classmethod(lambda cls: StructType([StructField('v', "
         "ArrayType(DoubleType()))]))",
         "ml vectors stored as struct<type:tinyint,size:int,indices:array<int>,values:"
         "array<double>> (its VectorUDT stores struct<v:array<double>>)"),
    ],
    ids=["no DataSourceArrowWriter", "no data source API", "another vector layout"],
)  # fmt: skip
def test_a_pyspark_without_what_the_format_needs_is_named_on_import(breakage, named):
    """A pyspark that lacks the Python Data Source API or stores vectors differently (an
    older release, or a runtime's own build) fails on import, naming its version and what
    is missing, not with an ImportError or a misleading schema error later."""
    import subprocess
    import sys

    probe = (
        "import sys, pyspark, pyspark.sql.datasource\n"
        "from pyspark.ml.linalg import VectorUDT\n"
        "from pyspark.sql.types import ArrayType, DoubleType, StructField, StructType\n"
        f"{breakage}\n"
        "try:\n"
        "    import smspark_core.estimator\n"
        "except ImportError as error:\n"
        "    print(type(error).__name__, error)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    import pyspark

    assert out.stdout.startswith(f"UnsupportedSparkError pyspark {pyspark.__version__} lacks")
    assert named in out.stdout
    assert "smspark-core needs pyspark<4.4,>=4.0.0" in out.stdout
