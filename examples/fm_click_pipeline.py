"""SageMaker Factorization Machines after Spark's feature stages, on the local backend: a
click-through table of raw categorical columns (user segment, ad category, site, hour)
-> StringIndexer -> OneHotEncoder -> VectorAssembler -> FactorizationMachinesBinaryClassifier.

Clicks depend on which user segment sees which ad category (a pairwise interaction of two
one-hot blocks, which factorization machines model and a linear model cannot), plus the
site and the hour. Prints the held-out AUC and writes the ROC curve as a PNG
(``build/fm_click/roc.png``).

    python examples/fm_click_pipeline.py [--output DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from pyspark.ml import Pipeline
from pyspark.ml.feature import OneHotEncoder, StringIndexer, VectorAssembler
from pyspark.sql import DataFrame, SparkSession
from smspark_factorizationmachines import FactorizationMachinesBinaryClassifier
from smspark_local.session import INSTANCES, ROLE, delete_endpoints, local_spark
from smspark_local.toolkit.png import png

CATEGORIES = {"segment": 12, "ad": 10, "site": 20, "hour": 24}


def clicks_frame(spark: SparkSession, rows: int = 8000, seed: int = 3) -> DataFrame:
    """Raw string columns and a 0/1 ``label`` drawn from a logistic model with a
    segment x ad interaction of rank 2."""
    rng = np.random.default_rng(seed)
    values = {name: rng.integers(0, n, rows) for name, n in CATEGORIES.items()}
    taste = rng.normal(0, 1.2, (CATEGORIES["segment"], 2)) @ rng.normal(
        0, 1.2, (2, CATEGORIES["ad"])
    )
    site = rng.normal(0, 0.5, CATEGORIES["site"])
    hour = 0.6 * np.sin(np.arange(CATEGORIES["hour"]) / 24 * 2 * np.pi)
    z = -0.5 + taste[values["segment"], values["ad"]] + site[values["site"]] + hour[values["hour"]]
    label = (rng.random(rows) < 1 / (1 + np.exp(-z))) * 1.0
    records = [
        (f"seg{s}", f"ad{a}", f"site{w}", f"h{h:02d}", float(y))
        for s, a, w, h, y in zip(*values.values(), label)
    ]
    return spark.createDataFrame(records, [*CATEGORIES, "label"])


def pipeline(**options) -> Pipeline:
    names = list(CATEGORIES)
    index = StringIndexer(inputCols=names, outputCols=[f"{n}_index" for n in names])
    encode = OneHotEncoder(
        inputCols=[f"{n}_index" for n in names], outputCols=[f"{n}_onehot" for n in names]
    )
    assemble = VectorAssembler(inputCols=[f"{n}_onehot" for n in names], outputCol="features")
    fm = FactorizationMachinesBinaryClassifier(sagemakerRole=ROLE, **INSTANCES, **options)
    # feature_dim comes from the assembled vectors; small data: more epochs, higher rates.
    fm.setNumFactors(4).setEpochs(20).setMiniBatchSize(100)
    fm.setBiasLr(0.01).setLinearLr(0.01).setFactorsLr(0.01)
    fm.setBiasWd(0.0).setLinearWd(0.0).setFactorsWd(0.0).setFactorsInitSigma(0.1)
    return Pipeline(stages=[index, encode, assemble, fm])


def roc(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """False and true positive rates at every threshold, and the area under the curve."""
    order = np.argsort(-scores, kind="stable")
    hits = labels[order]
    tpr = np.concatenate([[0.0], np.cumsum(hits) / hits.sum()])
    fpr = np.concatenate([[0.0], np.cumsum(1 - hits) / (1 - hits).sum()])
    return fpr, tpr, float(np.trapezoid(tpr, fpr))


def roc_png(fpr: np.ndarray, tpr: np.ndarray, size: int = 200) -> bytes:
    """The ROC curve (and the diagonal, lighter) on a size x size grid, as a PNG."""
    pixels = np.zeros((size, size))
    steps = np.linspace(0, 1, 4 * size)
    diagonal = np.minimum((steps * (size - 1)).astype(int), size - 1)
    pixels[size - 1 - diagonal, diagonal] = 0.3
    curve = np.interp(steps, fpr, tpr)
    columns = (steps * (size - 1)).astype(int)
    pixels[size - 1 - (curve * (size - 1)).astype(int), columns] = 1.0
    pixels[:, 0] = pixels[-1, :] = 1.0  # the axes
    return png(pixels, scale=2)


def run(spark: SparkSession, output: Path, **options) -> float:
    train, test = clicks_frame(spark).randomSplit([0.8, 0.2], seed=5)
    model = pipeline(**options).fit(train)
    try:
        rows = model.transform(test).select("label", "score", "predicted_label").collect()
    finally:
        delete_endpoints(model)
    labels = np.array([r.label for r in rows])
    scores = np.array([r.score for r in rows])
    fpr, tpr, auc = roc(labels, scores)
    accuracy = float((np.array([r.predicted_label for r in rows]) == labels).mean())
    output.mkdir(parents=True, exist_ok=True)
    (output / "roc.png").write_bytes(roc_png(fpr, tpr))
    print(f"held-out rows: {len(rows)}, AUC {auc:.3f}, accuracy {accuracy:.3f}")
    print(f"ROC curve: {output / 'roc.png'}")
    return auc


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", default="build/fm_click", help="where roc.png goes")
    args = parser.parse_args(argv)
    with local_spark("smspark-factorization-machines") as spark:
        run(spark, Path(args.output), pollSeconds=0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
