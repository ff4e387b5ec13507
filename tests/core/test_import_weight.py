"""Importing smspark loads only what is used: the package itself, the codecs and the local
images' container toolkit load neither pyspark nor boto3 (a model server answers /ping
without them), and the "sagemaker" data source still registers with an active session."""

from __future__ import annotations

import subprocess
import sys

import pytest
from algorithm_helpers import modules_loaded_by

LIGHT = [
    "import smspark_core",
    "import smspark_core.codecs.recordio, smspark_core.codecs.amazon_record",
    "import smspark_core.codecs.libsvm, smspark_core.codecs.csv, smspark_core.codecs.mxnet_ndarray",
    "import smspark_local.toolkit.container, smspark_local.toolkit.channels",
    "import smspark_local.toolkit.payloads, smspark_core.codecs.hyperparameter_table",
]


@pytest.mark.parametrize("statement", LIGHT)
def test_light_imports_load_no_spark_and_no_aws_sdk(statement):
    assert modules_loaded_by(statement) == set()


def test_names_load_when_used():
    assert "pyspark" in modules_loaded_by("from smspark_core import SageMakerEstimator")
    assert "boto3" in modules_loaded_by("import smspark_core; smspark_core.SageMakerClients")


def test_importing_with_an_active_session_registers_the_data_source(tmp_path):
    program = f"""
from pyspark.ml.linalg import Vectors
from pyspark.sql import SparkSession
spark = (SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false")
         .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate())
import smspark_core
df = spark.createDataFrame([(1.0, Vectors.dense([1.0, 2.0]))], ["label", "features"])
df.write.format("sagemaker").mode("overwrite").save({str(tmp_path / "out")!r})
print(spark.read.format("sagemaker").load({str(tmp_path / "out")!r}).count())
spark.stop()
"""
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split()[-1] == "1"


def test_a_local_image_written_with_the_sdk_loads_no_spark():
    statement = "from smspark_core.sdk import TrainingEnvironment, HyperparameterTable, PROTOBUF"
    assert modules_loaded_by(statement) == set()
