"""The README's main job: SageMaker k-means inside a Spark ML Pipeline, on the local backend.

1. loads scikit-learn's digits (1797 8x8 images, bundled: no download) into a DataFrame
   and holds out 20% of it;
2. fits ``Pipeline([Normalizer, KMeansSageMakerEstimator(k=10)])``: Spark scales each
   image to unit length (so that ink, not brightness, decides), the k-means stage stages
   the rows to (local) S3, runs a SageMaker training job and hosts the model on an
   endpoint;
3. transforms the held-out rows through the endpoint, prints a cluster x digit table and
   the purity;
4. reads the centroids back from the job's ``model.tar.gz`` (the MXNet file the real
   service writes) and writes each as an 8x8 PNG;
5. deletes the endpoint, its config and model.

    scripts/dev main                  # or: python examples/kmeans_digits.py --output DIR

Needs smspark-core[examples], smspark-kmeans installed (nothing from this folder).
Spark runs where ``SMSPARK_MASTER`` (a master URL) or ``SMSPARK_REMOTE`` (an ``sc://``
Spark Connect URL) says, ``local[2]`` by default; see ``smspark_local.session``.
"""

from __future__ import annotations

import argparse
import io
import sys
import tarfile
import time
from pathlib import Path

import boto3
import numpy as np
from pyspark.ml import Pipeline
from pyspark.ml.feature import Normalizer
from pyspark.ml.linalg import Vectors
from sklearn.datasets import load_digits
from smspark_kmeans import KMeansSageMakerEstimator
from smspark_local.session import delete_endpoints, local_spark
from smspark_local.toolkit.png import png

from smspark_core import IAMRole
from smspark_core.codecs import mxnet_ndarray

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"


def centroids_from_artifact(model_s3_uri: str) -> np.ndarray:
    """The (k, 64) centroids in the model.tar.gz the training job wrote."""
    bucket, key = model_s3_uri.removeprefix("s3://").split("/", 1)
    archive = boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        member = tar.extractfile("model_algo-1")
        assert member is not None
        return mxnet_ndarray.loads(member.read())[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default="build/kmeans_digits", help="where the PNGs go")
    args = parser.parse_args()
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()

    with local_spark("smspark-kmeans-digits") as spark:  # boto3 talks to 127.0.0.1
        digits = load_digits()
        rows = [(Vectors.dense(x), float(y)) for x, y in zip(digits.data, digits.target)]
        frame = spark.createDataFrame(rows, ["pixels", "label"])
        train, test = frame.randomSplit([0.8, 0.2], seed=7)

        scaler = Normalizer(inputCol="pixels", outputCol="features", p=2.0)
        kmeans = KMeansSageMakerEstimator(
            sagemakerRole=IAMRole(ROLE),
            trainingInstanceType="ml.m5.large",
            trainingInstanceCount=1,
            endpointInstanceType="ml.m5.large",
            endpointInitialInstanceCount=1,
            pollSeconds=0.5,
        )
        kmeans.setK(10).setFeatureDim(64)
        print(f"training image: {kmeans.getTrainingImage()}")

        model = Pipeline(stages=[scaler, kmeans]).fit(train)
        kmeans_model = model.stages[-1]
        fitted = time.monotonic()
        print(
            f"fit: training job {kmeans.latestTrainingJob}, endpoint "
            f"{kmeans_model.endpointName} ({fitted - started:.1f} s)"
        )

        try:
            predictions = model.transform(test).select("label", "closest_cluster").toPandas()
            print(
                f"transform: {len(predictions)} held-out rows ({time.monotonic() - fitted:.1f} s)\n"
            )
            table = predictions.groupby(["closest_cluster", "label"]).size().unstack(fill_value=0)
            table.index = [f"cluster {int(c)}" for c in table.index]
            table.columns = [f"{int(d)}" for d in table.columns]
            print("rows per cluster (down) and digit (across):")
            print(table.to_string())
            purity = table.max(axis=1).sum() / table.to_numpy().sum()
            print(
                f"\npurity: {purity:.3f} (share of rows whose cluster's commonest digit "
                "is their own)"
            )

            centroids = centroids_from_artifact(str(kmeans_model.getModelPath().to_s3_uri()))
            for index, centroid in enumerate(centroids):
                pixels = centroid.reshape(8, 8) / max(float(centroid.max()), 1e-12)
                (output / f"cluster_{index}.png").write_bytes(png(pixels))
            print(f"centroid pictures: {output}/cluster_0.png .. cluster_{len(centroids) - 1}.png")
        finally:
            created = kmeans_model.getCreatedResources()
            delete_endpoints(model)
            print(
                f"deleted endpoint {created.endpointName}, its config and model {created.modelName}"
            )
    print(f"total {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
