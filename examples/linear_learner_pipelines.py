"""SageMaker Linear Learner in Spark pipelines that start from raw columns, on the local
backend: one example per estimator.

* ``binary``: breast cancer (30 columns) -> VectorAssembler -> StandardScaler ->
  LinearLearnerBinaryClassifier; prints accuracy.
* ``multiclass``: wine (13 columns) -> VectorAssembler -> LinearLearnerMultiClassClassifier;
  prints accuracy.
* ``regressor``: diabetes (10 columns) -> VectorAssembler -> LinearLearnerRegressor;
  prints R².

    python examples/linear_learner_pipelines.py [binary|multiclass|regressor ...]

Needs smspark-core[examples], smspark-linearlearner installed (nothing from this folder).
Spark runs where ``SMSPARK_MASTER`` (a master URL) or ``SMSPARK_REMOTE`` (an ``sc://``
Spark Connect URL) says, ``local[2]`` by default; see ``smspark_local.session``.
"""

from __future__ import annotations

import sys

import numpy as np
from pyspark.ml import Pipeline
from pyspark.ml.feature import StandardScaler, VectorAssembler
from pyspark.sql import DataFrame, SparkSession
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from smspark_linearlearner import (
    LinearLearnerBinaryClassifier,
    LinearLearnerMultiClassClassifier,
    LinearLearnerRegressor,
)
from smspark_local.session import INSTANCES, ROLE, delete_endpoints, local_spark

DATASETS = {"binary": load_breast_cancer, "multiclass": load_wine, "regressor": load_diabetes}


def raw_frame(spark: SparkSession, kind: str) -> tuple[DataFrame, list[str]]:
    """The dataset as plain double columns c0, c1, ... and ``label``."""
    x, y = DATASETS[kind](return_X_y=True)
    columns = [f"c{i}" for i in range(x.shape[1])]
    rows = [(*map(float, features), float(label)) for features, label in zip(x, y)]
    return spark.createDataFrame(rows, [*columns, "label"]), columns


def pipeline(kind: str, columns: list[str], **options) -> Pipeline:
    """VectorAssembler (and for ``binary`` a StandardScaler), then the estimator."""
    assemble = VectorAssembler(
        inputCols=columns, outputCol="raw" if kind == "binary" else "features"
    )
    stages = [assemble]
    if kind == "binary":
        stages.append(StandardScaler(inputCol="raw", outputCol="features"))
        estimator = LinearLearnerBinaryClassifier(sagemakerRole=ROLE, **INSTANCES, **options)
    elif kind == "multiclass":
        estimator = LinearLearnerMultiClassClassifier(sagemakerRole=ROLE, **INSTANCES, **options)
        estimator.setNumClasses(3)
    else:
        estimator = LinearLearnerRegressor(sagemakerRole=ROLE, **INSTANCES, **options)
    # Small data: small mini-batches and more epochs than the service's defaults.
    estimator.setMiniBatchSize(64).setEpochs(30)
    return Pipeline(stages=[*stages, estimator])


def quality(kind: str, predictions: DataFrame) -> tuple[str, float]:
    rows = predictions.select("label", "predicted_label" if kind != "regressor" else "score")
    values = np.array(rows.collect(), dtype=float)
    if kind == "regressor":
        residual = values[:, 0] - values[:, 1]
        return "R^2", 1 - (residual**2).sum() / ((values[:, 0] - values[:, 0].mean()) ** 2).sum()
    return "accuracy", float((values[:, 0] == values[:, 1]).mean())


def run(spark: SparkSession, kind: str, **options) -> float:
    frame, columns = raw_frame(spark, kind)
    train, test = frame.randomSplit([0.75, 0.25], seed=11)
    model = pipeline(kind, columns, **options).fit(train)
    try:
        name, value = quality(kind, model.transform(test))
        print(f"{kind}: {name} {value:.3f} on held-out rows")
        return value
    finally:
        delete_endpoints(model)


def main(kinds: list[str]) -> int:
    with local_spark("smspark-linear-learner") as spark:
        for kind in kinds or list(DATASETS):
            run(spark, kind, pollSeconds=0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
