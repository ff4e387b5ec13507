"""SageMaker LDA on Spark's CountVectorizer output, on the local backend: short documents
made from five themes' words (and filler words common to all) -> Tokenizer ->
CountVectorizer -> LDASageMakerEstimator; prints each topic's top words, read from the
training job's model.tar.gz (the MXNet list [alpha, beta] the service writes), and the
topic mixtures of a few held-out documents from the endpoint.

    python examples/lda_topics_pipeline.py
"""

from __future__ import annotations

import io
import sys
import tarfile

import boto3
import numpy as np
from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.feature import CountVectorizer, Tokenizer
from pyspark.sql import DataFrame, SparkSession
from smspark_lda import LDASageMakerEstimator
from smspark_local.session import INSTANCES, ROLE, delete_endpoints, local_spark

from smspark_core.codecs import mxnet_ndarray

THEMES = {
    "space": "rocket orbit planet star galaxy comet telescope astronaut moon launch",
    "cooking": "oven flour butter recipe garlic simmer onion pepper sauce bake",
    "football": "goal striker referee penalty stadium league keeper match coach pitch",
    "finance": "stock bond market dividend interest bank inflation investor loan price",
    "music": "guitar melody chord drum concert singer album rhythm piano tempo",
}
FILLER = ["the", "a", "of", "and", "to", "in", "is", "it", "that", "for"]


def documents_frame(spark: SparkSession, count: int = 1200, seed: int = 2) -> DataFrame:
    """Each document: 40 words, about 80% from one or two themes, the rest filler."""
    rng = np.random.default_rng(seed)
    themes = [words.split() for words in THEMES.values()]
    rows = []
    for index in range(count):
        chosen = rng.choice(len(themes), size=rng.integers(1, 3), replace=False)
        words = [
            str(rng.choice(FILLER))
            if rng.random() < 0.2
            else str(rng.choice(themes[rng.choice(chosen)]))
            for _ in range(40)
        ]
        rows.append((index, " ".join(words)))
    return spark.createDataFrame(rows, ["id", "text"])


def pipeline(documents: int, **options) -> Pipeline:
    tokenize = Tokenizer(inputCol="text", outputCol="words")
    count = CountVectorizer(inputCol="words", outputCol="features", vocabSize=1000)
    lda = LDASageMakerEstimator(sagemakerRole=ROLE, **INSTANCES, **options)
    # mini_batch_size is the corpus size for SageMaker LDA; feature_dim comes from the data.
    lda.setNumTopics(len(THEMES)).setMiniBatchSize(documents).setAlpha0(0.5)
    lda.setMaxRestarts(2).setMaxIterations(20)
    return Pipeline(stages=[tokenize, count, lda])


def topic_word_distributions(model_s3_uri: str) -> np.ndarray:
    """beta (topics x vocabulary) from the job's model.tar.gz."""
    bucket, key = model_s3_uri.removeprefix("s3://").split("/", 1)
    archive = boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        member = tar.extractfile("model_algo-1")
        assert member is not None
        _, beta = mxnet_ndarray.loads(member.read())
    return beta


def top_words(model: PipelineModel, lda: LDASageMakerEstimator, n: int = 6) -> list[list[str]]:
    vocabulary = model.stages[1].vocabulary
    job = boto3.client("sagemaker").describe_training_job(TrainingJobName=lda.latestTrainingJob)
    beta = topic_word_distributions(job["ModelArtifacts"]["S3ModelArtifacts"])
    return [[vocabulary[i] for i in np.argsort(-topic)[:n]] for topic in beta]


def run(spark: SparkSession, **options) -> list[list[str]]:
    frame = documents_frame(spark)
    train, test = frame.randomSplit([0.9, 0.1], seed=7)
    estimator = pipeline(train.count(), **options)
    model = estimator.fit(train)
    try:
        topics = top_words(model, estimator.getStages()[-1])
        for index, words in enumerate(topics):
            print(f"topic {index}: {' '.join(words)}")
        for row in model.transform(test).orderBy("id").limit(3).collect():
            mixture = " ".join(f"{p:.2f}" for p in row.topic_mixture)
            print(f"document {row.id}: [{mixture}]  {row.text[:60]}...")
        return topics
    finally:
        delete_endpoints(model)


def main() -> int:
    with local_spark("smspark-lda") as spark:
        run(spark, pollSeconds=0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
