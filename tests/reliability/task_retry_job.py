"""Run by the tests of the faults that need a Spark task retry, in a process of its own whose
Spark allows each task a second attempt (``local[2,2]``):

- ``kill``: the test SIGKILLs Spark's Python workers mid-transform (the process running the
  task dies);
- ``fail-once``: each task's first attempt fails part-way through its partition (an error in
  the task itself, after requests for its first rows went out).

A small transform first starts Spark's Python workers; then it prints ``READY``, waits for
``GO`` on stdin (the test injects its faults between the two) and prints the result's summary
and ``transformStats`` as one JSON line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pyspark.sql import SparkSession

sys.path.insert(0, str(Path(__file__).parent))
from reliability_helpers import ROWS, frame, summary  # noqa: E402

from smspark_core.model import SageMakerModel  # noqa: E402
from smspark_core.transformation.deserializers import XGBoostCSVRowDeserializer  # noqa: E402
from smspark_core.transformation.serializers import UnlabeledCSVRequestRowSerializer  # noqa: E402

FAIL_AT = ROWS // 4  # ids 50,000 and 150,000: a half-way point of each partition


def failing_first_attempts(data):
    """``data`` whose every task fails its first attempt on reaching an id ``FAIL_AT`` past
    its partition's start; the rows before it have gone to the endpoint by then."""
    from pyspark import TaskContext
    from pyspark.sql import functions as F
    from pyspark.sql.types import LongType

    def check(ids):
        if TaskContext.get().attemptNumber() == 0 and (ids % (ROWS // 2) == FAIL_AT).any():
            raise RuntimeError("injected task failure (first attempt)")
        return ids

    return data.withColumn("id", F.pandas_udf(check, LongType())("id"))


def main(mode: str, endpoint: str, rows_per_request: int) -> None:
    spark = (
        SparkSession.builder.master("local[2,2]")
        .appName("smspark-task-retry")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    model = SageMakerModel.from_endpoint(  # the backend's endpoints come from the environment
        endpoint,
        UnlabeledCSVRequestRowSerializer(),
        XGBoostCSVRowDeserializer(),
        maxRowsPerRequest=rows_per_request,
    )
    summary(model.transform(frame(spark, rows=1000)))  # Python workers up, imports done
    print("READY", flush=True)
    sys.stdin.readline()
    data = frame(spark)
    result = summary(model.transform(failing_first_attempts(data) if mode == "fail-once" else data))
    print(json.dumps({"summary": result, "stats": model.transformStats}), flush=True)
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
