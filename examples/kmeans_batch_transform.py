"""Scoring a whole table with SageMaker Batch Transform instead of an endpoint, on the local
backend.

1. fits SageMaker k-means (k=10) on scikit-learn's digits without creating an endpoint
   (``EndpointCreationPolicy.DO_NOT_CREATE``);
2. turns the fitted model into a ``SageMakerBatchTransformer`` (same codecs, image and
   artifact) and transforms all 1797 rows: staged to S3 from the executors, one transform
   job, predictions read back and attached to their rows, staging and the job's model
   deleted;
3. prints rows per cluster, where the time went and what was created and removed.

    python examples/kmeans_batch_transform.py
"""

from __future__ import annotations

import sys

from pyspark.ml.linalg import Vectors
from sklearn.datasets import load_digits
from smspark_kmeans import KMeansSageMakerEstimator
from smspark_local.session import INSTANCES, ROLE, local_spark

from smspark_core import EndpointCreationPolicy, SageMakerBatchTransformer


def main() -> int:
    with local_spark("smspark-batch-transform") as spark:
        x, y = load_digits(return_X_y=True)
        rows = [(i, int(t), Vectors.dense(f)) for i, (f, t) in enumerate(zip(x, y))]
        # Cached: transform reads its input twice (staging, read-back), and rows after a
        # shuffle may come back in another order; the stage would refuse that, not mix rows.
        digits = spark.createDataFrame(rows, ["id", "digit", "features"]).repartition(4).cache()
        kmeans = KMeansSageMakerEstimator(
            sagemakerRole=ROLE,
            **INSTANCES,
            endpointCreationPolicy=EndpointCreationPolicy.DO_NOT_CREATE,
            pollSeconds=0.5,
        ).setK(10)
        model = kmeans.fit(digits)
        print(f"trained {kmeans.latestTrainingJob}; no endpoint created")

        scorer = SageMakerBatchTransformer.from_model(
            model, instanceCount=1, maxConcurrentTransforms=2, pollSeconds=0.5
        )
        scored = scorer.transform(digits)  # runs the job; the result no longer needs S3
        print(f"scored {scored.count()} rows; columns {scored.columns}")
        scored.groupBy("closest_cluster").count().orderBy("closest_cluster").show()

        created = scorer.getCreatedResources()
        print(f"transform job {created.transformJobName} (model {created.modelName})")
        print(", ".join(f"{phase} {seconds:.1f} s" for phase, seconds in scorer.timings.items()))
        print("deleted:", *created.deleted, sep="\n  ")
        if created.notDeleted:
            print("NOT deleted:", *created.cleanupErrors, sep="\n  ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
