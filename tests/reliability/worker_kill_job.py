"""Run by ``test_a_killed_python_worker`` in a process of its own, whose Spark allows each task
a second attempt (``local[2,2]``): the one fault that needs a Spark task retry, because it
kills the process running the task. A small transform first starts Spark's Python workers;
then it prints ``READY``, waits for ``GO`` on stdin (the test injects its faults between the
two) and prints the result's summary and ``transformStats`` as one JSON line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pyspark.sql import SparkSession

sys.path.insert(0, str(Path(__file__).parent))
from conftest import frame, summary  # noqa: E402

from smspark_core.model import SageMakerModel  # noqa: E402
from smspark_core.transformation.deserializers import XGBoostCSVRowDeserializer  # noqa: E402
from smspark_core.transformation.serializers import UnlabeledCSVRequestRowSerializer  # noqa: E402


def main(endpoint: str, rows_per_request: int) -> None:
    spark = (
        SparkSession.builder.master("local[2,2]")
        .appName("smspark-worker-kill")
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
    result = summary(model.transform(frame(spark)))
    print(json.dumps({"summary": result, "stats": model.transformStats}), flush=True)
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
