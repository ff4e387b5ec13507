"""How a DataFrame's rows reach the Python function of ``mapInArrow``, quickly and by any name.

**Vectors.** Spark hands a VectorUDT column to Python as its SQL struct
``<type, size, indices, values>``, in which a dense vector's ``indices`` is null. Spark's Arrow
writer is slow on null lists, and the more so the larger the batch: at Spark's default of
10,000 rows per Arrow batch, 200,000 dense vectors of 10 values take 1.6 s to go through a
``mapInArrow`` that returns them untouched, 0.45 s in the layout below (2-core machine,
Spark 4.1, ``bench/transform.py`` floors). So :func:`arrow_friendly` replaces each top-level
vector column by the same struct with an empty list in place of the null, and the Python side
calls :func:`standard_layout` on every batch to put the null back. Serializers, and the rows
that ``transform`` returns, see exactly Spark's layout. The ``sagemaker`` data source takes
the fast layout as it comes (its encoder reads both).

The struct comes from ``functions.unwrap_udt`` (public since Spark 3.4, an expression of the
plan, so classic Spark and Spark Connect alike). Where it fails (a Spark whose vector UDT or
function changed) the vector columns go unchanged: slower, same result.

**Names.** pyspark's ``mapInArrow`` cannot address a column named like ``user.id`` (it looks
each name up unquoted), so :func:`for_map_in_arrow` also renames the columns by position and
:func:`standard_layout` gives the batch its real names back.
"""

from __future__ import annotations

import logging

import pyarrow as pa
import pyarrow.compute as pc
from pyspark.errors import PySparkException
from pyspark.ml.linalg import VectorUDT
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from smspark_core.transformation.arrow_vectors import DENSE, VECTOR_ARROW_TYPE, is_vector_arrow

try:
    from py4j.protocol import Py4JError
except ImportError:  # pyspark-client, the Spark Connect-only package, has no py4j
    Py4JError = PySparkException

log = logging.getLogger(__name__)


def quoted(name: str) -> str:
    """``name`` as a SQL identifier (backquoted)."""
    return "`" + name.replace("`", "``") + "`"


def unwrapped_vector(df: DataFrame, name: str) -> Column:
    """The vector column ``name`` as its SQL struct."""
    return F.unwrap_udt(df[quoted(name)])


def friendly_vector_sql(name: str) -> str:
    """SQL for the unwrapped vector column ``name`` with an empty list for null indices."""
    v = quoted(name)
    return (
        f"CASE WHEN {v} IS NOT NULL THEN named_struct('type', {v}.`type`, 'size', {v}.`size`, "
        f"'indices', coalesce({v}.`indices`, CAST(array() AS array<int>)), "
        f"'values', {v}.`values`) END"
    )


def arrow_friendly(df: DataFrame, names: list[str] | None = None) -> DataFrame:
    """``df`` with its top-level vector columns in a layout Spark writes to Arrow quickly,
    the columns in order, named ``names`` (default: unchanged). Its rows are for Python
    code that reads both layouts or calls :func:`standard_layout`.

    Two projections: the vectors unwrapped (``functions.unwrap_udt`` has no SQL name), then
    one SQL projection for every column; built with Column functions, each part of each
    struct cost py4j calls, about a tenth of a second per ``transform()`` in all."""
    fields = df.schema.fields
    current = [f.name for f in fields]
    names = current if names is None else list(names)
    vectors = [isinstance(f.dataType, VectorUDT) for f in fields]

    def renamed() -> DataFrame:  # a plan of its own: built only where it is the answer
        return df if names == current else df.toDF(*names)

    if not any(vectors):
        return renamed()
    positional = [f"_{i}" for i in range(len(fields))]
    try:
        unwrapped = df.select(
            [
                (unwrapped_vector(df, f.name) if vector else df[quoted(f.name)]).alias(p)
                for f, vector, p in zip(fields, vectors, positional)
            ]
        )
        friendly = unwrapped.selectExpr(
            *(
                f"{friendly_vector_sql(p) if vector else p} AS {quoted(name)}"
                for vector, p, name in zip(vectors, positional, names)
            )
        )
        friendly.schema  # noqa: B018 - Spark Connect analyzes lazily: fail here, not later
        return friendly
    except (AttributeError, TypeError, Py4JError, PySparkException) as error:
        log.info("vector columns go to Python as UDTs (slower): %s", error)
        return renamed()


def for_map_in_arrow(df: DataFrame) -> DataFrame:
    """``df`` ready for ``mapInArrow``: vectors in the fast layout, columns named ``_0``,
    ``_1``, ...; the function gets each batch back with ``standard_layout(batch, df.columns)``."""
    return arrow_friendly(df, [f"_{i}" for i in range(len(df.columns))])


def _null_indices_for_dense(vectors: pa.StructArray) -> pa.StructArray:
    kinds, sizes, indices, values = vectors.flatten()  # children with the struct's offset
    dense = pc.fill_null(pc.equal(kinds, DENSE), False)
    if not pc.any(pc.and_(dense, indices.is_valid())).as_py():
        return vectors  # already Spark's layout
    indices = pc.if_else(dense, pa.nulls(len(vectors), indices.type), indices)
    children = [kinds, sizes, indices, values]
    return pa.StructArray.from_arrays(
        [child.cast(field.type) for child, field in zip(children, VECTOR_ARROW_TYPE)],
        fields=list(VECTOR_ARROW_TYPE),
        mask=vectors.is_null() if vectors.null_count else None,
    )


def standard_layout(batch: pa.RecordBatch, names: list[str] | None = None) -> pa.RecordBatch:
    """A batch of :func:`arrow_friendly` data in Spark's own layout (null dense indices), with
    the column ``names`` given (those of the DataFrame before :func:`for_map_in_arrow`)."""
    if names is not None:
        batch = batch.rename_columns(names)
    schema, columns = batch.schema, list(batch.columns)
    for i, column in enumerate(columns):
        if is_vector_arrow(column.type):
            columns[i] = _null_indices_for_dense(column)
            schema = schema.set(i, schema.field(i).with_type(columns[i].type))
    return pa.RecordBatch.from_arrays(columns, schema=schema)
