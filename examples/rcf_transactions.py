"""SageMaker Random Cut Forest on a table of card transactions, on the local backend: an
anomaly score for every row.

Synthetic transactions (amount, hour, distance from home, merchant risk, transactions that
day) of ordinary customers, with 0.5% planted frauds (large amounts at night far from home
at risky merchants) -> VectorAssembler -> StandardScaler -> RandomCutForestSageMakerEstimator.
A fifth of the rows, marked by the boolean ``is_test`` column, go to the training job's
``test`` channel with their 0/1 labels, where the service reports F1, precision and recall
(the job's final metrics); the rest train the forest. Then every row is scored through the
endpoint. Prints the job's metrics, the AUC of the scores against the planted frauds and the
ten most anomalous transactions, and writes a picture of score against amount
(``build/rcf_transactions/score_vs_amount.png``: ordinary rows grey, planted frauds black).
The Pipeline is saved and loaded before it is fitted, and the fitted PipelineModel after:
the loaded model scores every row again, through the same endpoint, identically.

    python examples/rcf_transactions.py [--rows 20000] [--output DIR]

Needs smspark-core[examples], smspark-local and smspark-randomcutforest[local] installed
(nothing from this folder). Spark runs where ``SMSPARK_MASTER`` (a master URL) or
``SMSPARK_REMOTE`` (an ``sc://`` Spark Connect URL) says, ``local[2]`` by default; see
``smspark_local.session``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.feature import StandardScaler, VectorAssembler
from pyspark.sql import DataFrame, SparkSession
from smspark_local.session import INSTANCES, ROLE, delete_endpoints, local_spark
from smspark_local.toolkit.png import png
from smspark_randomcutforest import RandomCutForestSageMakerEstimator

COLUMNS = ["amount", "hour", "distance_km", "merchant_risk", "daily_count"]


def transactions(rows: int, fraud_share: float = 0.005, seed: int = 7) -> dict[str, np.ndarray]:
    """The table's columns: ``id``, the features, ``label`` (1.0 for a planted fraud) and
    ``is_test`` (a fifth of the rows, drawn at random)."""
    rng = np.random.default_rng(seed)
    frauds = rng.random(rows) < fraud_share
    amount = np.exp(rng.normal(3.5, 0.8, rows))  # a few tens of euros, a long tail
    hour = np.clip(rng.normal(14, 3.5, rows), 0, 23.99)
    distance = rng.gamma(2.0, 4.0, rows)
    risk = rng.beta(2, 8, rows)
    count = rng.poisson(3, rows).astype(float)
    n = int(frauds.sum())
    amount[frauds] = np.exp(rng.normal(6.5, 0.5, n))
    hour[frauds] = rng.uniform(1, 5, n)
    distance[frauds] = rng.uniform(200, 2000, n)
    risk[frauds] = rng.beta(8, 2, n)
    count[frauds] = rng.poisson(12, n)
    return {
        "id": np.arange(rows),
        "amount": amount,
        "hour": hour,
        "distance_km": distance,
        "merchant_risk": risk,
        "daily_count": count,
        "label": frauds.astype(float),
        "is_test": rng.random(rows) < 0.2,
    }


def transactions_frame(spark: SparkSession, rows: int) -> DataFrame:
    table = transactions(rows)
    names = list(table)
    records = [tuple(v.item() for v in values) for values in zip(*(table[name] for name in names))]
    return spark.createDataFrame(records, names).repartition(2)


def pipeline(**options) -> Pipeline:
    assemble = VectorAssembler(inputCols=COLUMNS, outputCol="raw")
    scale = StandardScaler(inputCol="raw", outputCol="features", withMean=True, withStd=True)
    rcf = RandomCutForestSageMakerEstimator(
        sagemakerRole=ROLE, testIndicatorColumnName="is_test", **INSTANCES, **options
    )
    rcf.setNumTrees(100).setNumSamplesPerTree(256)  # the service's defaults, made explicit
    return Pipeline(stages=[assemble, scale, rcf])


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """The area under the ROC curve of the scores against the planted frauds."""
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores))


def scatter_png(amount: np.ndarray, scores: np.ndarray, labels: np.ndarray, size=240) -> bytes:
    """Score (up) against log amount (across), ordinary rows grey, frauds black crosses."""
    pixels = np.zeros((size, size))

    def place(values: np.ndarray, low: float, high: float) -> np.ndarray:
        return np.clip(((values - low) / (high - low) * (size - 1)).astype(int), 0, size - 1)

    x = place(np.log10(amount), np.log10(amount.min()), np.log10(amount.max()))
    y = size - 1 - place(scores, 0.0, float(scores.max()))
    normal = labels == 0
    pixels[y[normal], x[normal]] = 0.35
    for dy, dx in ((0, 0), (-1, 0), (1, 0), (0, -1), (0, 1)):
        pixels[np.clip(y[~normal] + dy, 0, size - 1), np.clip(x[~normal] + dx, 0, size - 1)] = 1
    pixels[:, 0] = pixels[-1, :] = 1.0  # the axes
    return png(pixels, scale=2)


def training_metrics(estimator: RandomCutForestSageMakerEstimator) -> dict[str, float]:
    """The final metrics of the estimator's last training job."""
    job = estimator.sagemakerClient.describe_training_job(
        TrainingJobName=estimator.latestTrainingJob
    )
    return {m["MetricName"]: m["Value"] for m in job.get("FinalMetricDataList", [])}


def run(spark: SparkSession, rows: int, output: Path, **options) -> dict[str, float]:
    """Fits, scores every row, reports; returns the AUC, the job's metrics and how many
    rows were scored."""
    frame = transactions_frame(spark, rows).cache()
    with tempfile.TemporaryDirectory() as saved:
        pipeline(**options).save(f"{saved}/pipeline")
        loaded = Pipeline.load(f"{saved}/pipeline")
        model = loaded.fit(frame)
        try:
            metrics = training_metrics(loaded.getStages()[-1])
            scored = model.transform(frame).select("id", *COLUMNS, "label", "score")
            rows_out = scored.orderBy("id").collect()
            model.save(f"{saved}/model")
            again = PipelineModel.load(f"{saved}/model").transform(frame)
            again_scores = [r.score for r in again.select("id", "score").orderBy("id").collect()]
        finally:
            delete_endpoints(model)
    scores = np.array([r.score for r in rows_out])
    labels = np.array([r.label for r in rows_out])
    amount = np.array([r.amount for r in rows_out])
    area = auc(labels, scores)
    print(f"transactions: {len(rows_out)} scored, {int(labels.sum())} planted frauds")
    print("training job metrics (test channel, three-sigma labels): " + ", ".join(
        f"{name} {value:.3f}" for name, value in sorted(metrics.items())
    ))  # fmt: skip
    print(f"AUC of the scores against the planted frauds: {area:.4f}")
    print("the ten most anomalous transactions:")
    print("      id   amount  hour  distance_km  merchant_risk  daily_count  fraud  score")
    for r in sorted(rows_out, key=lambda r: -r.score)[:10]:
        print(
            f"  {r.id:6d} {r.amount:8.2f} {r.hour:5.1f} {r.distance_km:12.1f} "
            f"{r.merchant_risk:14.2f} {r.daily_count:12.0f} {int(r.label):6d} {r.score:6.2f}"
        )
    output.mkdir(parents=True, exist_ok=True)
    picture = output / "score_vs_amount.png"
    picture.write_bytes(scatter_png(amount, scores, labels))
    print(f"score against amount: {picture}")
    same = again_scores == scores.tolist()
    print(f"saved and loaded PipelineModel gives the same scores: {same}")
    return {"auc": area, "rows": len(rows_out), "reloaded_same": same, **metrics}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=20_000, help="transactions to make")
    parser.add_argument("--output", default="build/rcf_transactions", help="picture folder")
    args = parser.parse_args(argv)
    with local_spark("smspark-randomcutforest") as spark:
        run(spark, args.rows, Path(args.output), pollSeconds=0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
