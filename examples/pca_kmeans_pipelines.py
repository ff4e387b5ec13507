"""Two pipelines from sagemaker_pyspark's README, on the digits and the local backend.

1. **Two SageMaker stages**: SageMaker PCA reduces the 64 pixels to 10 components (its
   endpoint is created when the pipeline first transforms), then SageMaker k-means is
   trained and served on PCA's ``projection`` column.
2. **A Spark stage, then SageMaker**: ``pyspark.ml.feature.PCA`` followed by SageMaker
   k-means.

Each prints the purity of its clusters on held-out digits and deletes its endpoints.

    python examples/pca_kmeans_pipelines.py

Needs smspark-core[examples], smspark-kmeans, smspark-pca installed (nothing from this folder).
Spark runs where ``SMSPARK_MASTER`` (a master URL) or ``SMSPARK_REMOTE`` (an ``sc://``
Spark Connect URL) says, ``local[2]`` by default; see ``smspark_local.session``.
"""

from __future__ import annotations

import sys

from pyspark.ml import Pipeline
from pyspark.ml.feature import PCA
from pyspark.ml.linalg import Vectors
from pyspark.sql import DataFrame, SparkSession
from sklearn.datasets import load_digits
from smspark_kmeans import KMeansSageMakerEstimator
from smspark_local.session import INSTANCES, ROLE, delete_endpoints, local_spark
from smspark_pca import PCASageMakerEstimator

from smspark_core import EndpointCreationPolicy, RandomNamePolicyFactory
from smspark_core.transformation.serializers import ProtobufRequestRowSerializer


def two_sagemaker_stages(**options) -> Pipeline:
    """The README's "SageMaker PCA, then SageMaker k-means" pipeline."""
    pca = PCASageMakerEstimator(
        sagemakerRole=ROLE,
        **INSTANCES,
        namePolicyFactory=RandomNamePolicyFactory("sparksm-3p-"),
        endpointCreationPolicy=EndpointCreationPolicy.CREATE_ON_TRANSFORM,
        **options,
    )
    pca.setFeatureDim(64).setNumComponents(10)
    kmeans = KMeansSageMakerEstimator(
        sagemakerRole=ROLE,
        trainingSparkDataFormatOptions={"featuresColumnName": "projection"},
        requestRowSerializer=ProtobufRequestRowSerializer(featuresColumnName="projection"),
        **INSTANCES,
        namePolicyFactory=RandomNamePolicyFactory("sparksm-3k-"),
        endpointCreationPolicy=EndpointCreationPolicy.CREATE_ON_TRANSFORM,
        **options,
    )
    kmeans.setFeatureDim(10).setK(10)
    return Pipeline(stages=[pca, kmeans])


def spark_pca_then_sagemaker(**options) -> Pipeline:
    """Spark's own PCA, then SageMaker k-means on its output column."""
    pca = PCA(k=10, inputCol="features", outputCol="pca_features")
    kmeans = KMeansSageMakerEstimator(
        sagemakerRole=ROLE,
        trainingSparkDataFormatOptions={"featuresColumnName": "pca_features"},
        requestRowSerializer=ProtobufRequestRowSerializer(featuresColumnName="pca_features"),
        **INSTANCES,
        **options,
    )
    kmeans.setK(10)
    return Pipeline(stages=[pca, kmeans])


def purity(predictions: DataFrame) -> float:
    table = predictions.groupBy("closest_cluster", "label").count().toPandas()
    best = table.groupby("closest_cluster")["count"].max().sum()
    return float(best / table["count"].sum())


def digits_frame(spark: SparkSession) -> DataFrame:
    digits = load_digits()
    rows = [(Vectors.dense(x), float(y)) for x, y in zip(digits.data, digits.target)]
    return spark.createDataFrame(rows, ["features", "label"])


def main() -> int:
    with local_spark("smspark-pca-kmeans") as spark:
        train, test = digits_frame(spark).randomSplit([0.8, 0.2], seed=7)
        for title, pipeline in [
            ("SageMaker PCA -> SageMaker k-means", two_sagemaker_stages(pollSeconds=0.5)),
            ("Spark PCA -> SageMaker k-means", spark_pca_then_sagemaker(pollSeconds=0.5)),
        ]:
            model = pipeline.fit(train)
            try:
                print(f"{title}: purity {purity(model.transform(test)):.3f} on held-out digits")
            finally:
                delete_endpoints(model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
