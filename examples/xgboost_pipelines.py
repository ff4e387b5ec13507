"""XGBoost on SageMaker from Spark, two ways, on the local backend.

1. **A pipeline from raw columns**: scikit-learn's breast-cancer table as 30 plain double
   columns, ``VectorAssembler`` into ``features``, then ``XGBoostSageMakerEstimator``
   (binary:logistic); prints the held-out accuracy.
2. **Hosting a model trained elsewhere**: ``xgboost.train`` in this process on the
   diabetes data, ``xgboost-model`` tarred and uploaded, then
   ``SageMakerModel.from_model_s3_path`` serves it to a DataFrame; prints the R².

    python examples/xgboost_pipelines.py

Needs smspark-core[examples], smspark-xgboost installed (nothing from this folder).
Spark runs where ``SMSPARK_MASTER`` (a master URL) or ``SMSPARK_REMOTE`` (an ``sc://``
Spark Connect URL) says, ``local[2]`` by default; see ``smspark_local.session``.
"""

from __future__ import annotations

import io
import sys
import tarfile
import tempfile
from pathlib import Path

import boto3
import numpy as np
import xgboost as xgb
from pyspark.ml import Pipeline
from pyspark.ml.feature import VectorAssembler
from pyspark.ml.linalg import Vectors
from pyspark.sql import DataFrame, SparkSession
from sklearn.datasets import load_breast_cancer, load_diabetes
from smspark_local.session import INSTANCES, ROLE, delete_endpoints, local_spark
from smspark_xgboost import XGBoostSageMakerEstimator

from smspark_core import SageMakerModel
from smspark_core.transformation.deserializers import XGBoostCSVRowDeserializer
from smspark_core.transformation.serializers import UnlabeledCSVRequestRowSerializer


def breast_cancer_frame(spark: SparkSession) -> tuple[DataFrame, list[str]]:
    data = load_breast_cancer()
    columns = [f"c{i}" for i in range(data.data.shape[1])]
    rows = [(*map(float, x), float(y)) for x, y in zip(data.data, data.target)]
    return spark.createDataFrame(rows, [*columns, "label"]), columns


def assembler_pipeline(columns: list[str], **options) -> Pipeline:
    xgboost = XGBoostSageMakerEstimator(
        sagemakerRole=ROLE,
        trainingProjectedColumns=["label", "features"],
        **INSTANCES,
        **options,
    )
    xgboost.setObjective("binary:logistic").setNumRound(30).setMaxDepth(3).setEta(0.3)
    return Pipeline(stages=[VectorAssembler(inputCols=columns, outputCol="features"), xgboost])


def model_trained_elsewhere(s3_uri: str) -> tuple[np.ndarray, np.ndarray]:
    """Trains on 80% of diabetes with the xgboost library, uploads model.tar.gz to
    ``s3_uri``; returns the held-out rows and labels."""
    x, y = load_diabetes(return_X_y=True)
    booster = xgb.train(
        {"objective": "reg:squarederror", "max_depth": 3}, xgb.DMatrix(x[:350], label=y[:350]), 50
    )
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "xgboost-model.json"
        booster.save_model(path)
        archive = io.BytesIO()
        with tarfile.open(fileobj=archive, mode="w:gz") as tar:
            tar.add(path, arcname="xgboost-model")
    bucket, key = s3_uri.removeprefix("s3://").split("/", 1)
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key=key, Body=archive.getvalue())
    return x[350:], y[350:]


def host(s3_uri: str, **options) -> SageMakerModel:
    return SageMakerModel.from_model_s3_path(
        s3_uri,
        XGBoostSageMakerEstimator(sagemakerRole=ROLE, **INSTANCES).getModelImage(),
        ROLE.role,
        "ml.m5.large",
        1,
        UnlabeledCSVRequestRowSerializer(),
        XGBoostCSVRowDeserializer(),
        **options,
    )


def main() -> int:
    with local_spark("smspark-xgboost") as spark:
        frame, columns = breast_cancer_frame(spark)
        train, test = frame.randomSplit([0.8, 0.2], seed=7)
        model = assembler_pipeline(columns, pollSeconds=0.5).fit(train)
        try:
            out = model.transform(test)
            correct = out.filter((out.prediction > 0.5).cast("double") == out.label).count()
            print(f"VectorAssembler -> SageMaker XGBoost: accuracy {correct / out.count():.3f}")
        finally:
            delete_endpoints(model)

        uri = "s3://models-trained-elsewhere/diabetes/model.tar.gz"
        x_test, y_test = model_trained_elsewhere(uri)
        hosted = host(uri, endpointPollSeconds=0.5)
        try:
            df = spark.createDataFrame([(Vectors.dense(r),) for r in x_test], ["features"])
            predicted = np.array([r.prediction for r in hosted.transform(df).collect()])
            r2 = 1 - ((y_test - predicted) ** 2).sum() / ((y_test - y_test.mean()) ** 2).sum()
            print(f"from_model_s3_path (xgboost.train outside smspark): R^2 {r2:.3f}")
        finally:
            delete_endpoints(hosted)
    return 0


if __name__ == "__main__":
    sys.exit(main())
