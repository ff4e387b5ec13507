"""LDA end to end on the local backend: the CountVectorizer example (each topic's top words
are one theme's), the fitted pipeline saved and loaded, a negative word count surfacing as
ModelError, and hosting an [alpha, beta] artifact written by hand with
from_model_s3_path."""

from __future__ import annotations

import io
import sys
import tarfile
import uuid
from pathlib import Path

import numpy as np
import pytest
from algorithm_helpers import ROLE, make_estimator
from pyspark.ml import PipelineModel
from pyspark.ml.linalg import Vectors
from smspark_lda import LDAProtobufResponseRowDeserializer, LDASageMakerEstimator

from smspark_core import SageMakerModel
from smspark_core.codecs import mxnet_ndarray
from smspark_core.transformation.serializers import ProtobufRequestRowSerializer

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import lda_topics_pipeline as example  # noqa: E402
from smspark_local.session import delete_endpoints  # noqa: E402

pytestmark = pytest.mark.spark


def test_count_vectorizer_example_finds_the_themes(local, spark):
    topics = example.run(spark, clientSpec=local.client_spec, pollSeconds=0.1)
    themes = [set(words.split()) for words in example.THEMES.values()]
    best = [max(range(len(themes)), key=lambda t: len(set(words) & themes[t])) for words in topics]
    assert sorted(best) == list(range(len(themes)))  # one topic per theme
    assert all(len(set(words) & themes[t]) >= 5 for words, t in zip(topics, best))


def test_fitted_pipeline_saved_and_loaded(local, spark, tmp_path):
    frame = example.documents_frame(spark, count=300)
    model = example.pipeline(300, clientSpec=local.client_spec, pollSeconds=0.1).fit(frame)
    try:
        before = model.transform(frame).select("id", "topic_mixture").orderBy("id").collect()
        assert all(abs(sum(r.topic_mixture) - 1) < 1e-5 for r in before)
        model.save(str(tmp_path / "fitted"))
        loaded = PipelineModel.load(str(tmp_path / "fitted"))
        assert loaded.stages[-1].uid == model.stages[-1].uid
        assert loaded.stages[-1].endpointName == model.stages[-1].endpointName
        after = loaded.transform(frame).select("id", "topic_mixture").orderBy("id").collect()
        assert after == before
    finally:
        delete_endpoints(model)


def test_hand_written_artifact_and_a_negative_count(local, spark):
    s3 = local.client("s3")
    bucket = f"lda-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    alpha = np.array([0.5, 0.5], dtype=np.float32)
    beta = np.array([[0.5, 0.5, 0.0, 0.0], [0.0, 0.0, 0.5, 0.5]], dtype=np.float32)
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        data = mxnet_ndarray.dumps([alpha, beta])
        info = tarfile.TarInfo("model_algo-1")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    s3.put_object(Bucket=bucket, Key="hand/model.tar.gz", Body=archive.getvalue())
    model = SageMakerModel.from_model_s3_path(
        f"s3://{bucket}/hand/model.tar.gz",
        make_estimator(LDASageMakerEstimator).getModelImage(),
        ROLE,
        "ml.m5.large",
        1,
        ProtobufRequestRowSerializer(),
        LDAProtobufResponseRowDeserializer(projection_column_name="topics"),
        clientSpec=local.client_spec,
        endpointPollSeconds=0.1,
    )
    try:
        df = spark.createDataFrame(
            [(Vectors.dense([4.0, 4.0, 0.0, 0.0]),), (Vectors.sparse(4, [2, 3], [3.0, 5.0]),)],
            ["features"],
        )
        rows = model.transform(df).collect()
        assert rows[0].topics[0] > 0.9 and rows[1].topics[1] > 0.9
        bad = spark.createDataFrame([(Vectors.dense([1.0, -1.0, 0.0, 0.0]),)], ["features"])
        with pytest.raises(Exception, match="ModelError.*negative word count"):
            model.transform(bad).collect()
    finally:
        delete_endpoints(model)
