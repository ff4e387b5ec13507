"""SageMaker k-NN after Spark's StandardScaler, on the local backend: scikit-learn's bundled
digits (1797 images of 8 x 8 pixels, no download) in a DataFrame, 80% of it through
Pipeline([StandardScaler, KNNSageMakerEstimator]) (staging, a training job running the
local knn image, an endpoint), the held-out 20% through the fitted pipeline; prints the
accuracy beside scikit-learn's KNeighborsClassifier on the same scaled rows, and a
digit x predicted-digit table.

    python examples/knn_digits_pipeline.py [--k 5]
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from pyspark.ml import Pipeline
from pyspark.ml.feature import StandardScaler
from pyspark.ml.linalg import Vectors
from pyspark.sql import DataFrame, SparkSession
from smspark_knn import KNNSageMakerEstimator
from smspark_local.session import INSTANCES, ROLE, delete_endpoints, local_spark


def digits_frame(spark: SparkSession) -> DataFrame:
    """``id``, ``pixels`` (a 64-vector) and ``label`` (the digit, a double)."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    rows = [
        (i, Vectors.dense(row.tolist()), float(label)) for i, (row, label) in enumerate(zip(x, y))
    ]
    return spark.createDataFrame(rows, ["id", "pixels", "label"])


def pipeline(k: int, **options) -> Pipeline:
    scale = StandardScaler(inputCol="pixels", outputCol="features", withMean=True, withStd=True)
    knn = KNNSageMakerEstimator(sagemakerRole=ROLE, **INSTANCES, **options)
    # feature_dim comes from the scaled vectors; sample every training row: exact k-NN.
    knn.setK(k).setSampleSize(10_000).setPredictorType("classifier").setIndexType("faiss.Flat")
    return Pipeline(stages=[scale, knn])


def scikit_learn_accuracy(train: list, test: list, k: int) -> float:
    """KNeighborsClassifier with the same k and metric on the same scaled rows."""
    from sklearn.neighbors import KNeighborsClassifier

    def arrays(rows):
        return np.array([r.features.toArray() for r in rows]), np.array([r.label for r in rows])

    x_train, y_train = arrays(train)
    x_test, y_test = arrays(test)
    return float(KNeighborsClassifier(k).fit(x_train, y_train).score(x_test, y_test))


def run(spark: SparkSession, k: int = 5, **options) -> tuple[float, float]:
    """The local image's held-out accuracy and scikit-learn's."""
    train, test = digits_frame(spark).randomSplit([0.8, 0.2], seed=11)
    model = pipeline(k, **options).fit(train)
    try:
        rows = model.transform(test).select("id", "features", "label", "predicted_label")
        rows = rows.orderBy("id").collect()
    finally:
        delete_endpoints(model)
    scaled_train = model.stages[0].transform(train).select("features", "label").collect()
    labels = np.array([r.label for r in rows])
    predicted = np.array([r.predicted_label for r in rows])
    accuracy = float((labels == predicted).mean())
    reference = scikit_learn_accuracy(scaled_train, rows, k)
    print(f"held-out digits: {len(rows)}, k={k}: accuracy {accuracy:.4f} "
          f"(scikit-learn KNeighborsClassifier {reference:.4f})")  # fmt: skip
    print("digit | predicted 0..9")
    for digit in range(10):
        counts = [int(((labels == digit) & (predicted == p)).sum()) for p in range(10)]
        print(f"    {digit} | " + " ".join(f"{c:3d}" for c in counts))
    return accuracy, reference


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--k", type=int, default=5, help="the number of neighbours")
    args = parser.parse_args(argv)
    with local_spark("smspark-knn") as spark:
        run(spark, args.k, pollSeconds=0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
