"""A saved stage says which endpoint, never where requests go: the loading session decides.

Saved in one session of the local backend and loaded in the next (new ports), a pipeline
runs; a saved pipeline edited to point at a foreign server sends that server nothing."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from local_helpers import ROLE, SUM, SUM_IMAGE, start_job, unique, wait_job
from pyspark.ml import PipelineModel
from pyspark.ml.linalg import Vectors
from smspark_local import LocalSageMaker
from smspark_local.service.backend import LOCAL_CREDENTIALS

from smspark_core import SageMakerModel, SageMakerResourceCleanup
from smspark_core.codecs import amazon_record
from smspark_core.transformation.deserializers import XGBoostCSVRowDeserializer
from smspark_core.transformation.serializers import UnlabeledCSVRequestRowSerializer

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def frame(spark):
    rng = np.random.default_rng(9)
    features = rng.integers(-20, 20, size=(500, 3)).astype(float)
    rows = [(i, Vectors.dense(f)) for i, f in enumerate(features)]
    return spark.createDataFrame(rows, ["id", "features"]).repartition(2), features


def _hosted_model(backend) -> SageMakerModel:
    """A model on an endpoint of ``backend``, trained there on features whose means are 2."""
    clients = {s: backend.client(s) for s in ("sagemaker", "s3")}
    bucket = unique("saved")
    clients["s3"].create_bucket(Bucket=bucket)
    features = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0], [0.0, 0.0, 0.0], [4.0, 4.0, 4.0]])
    body = amazon_record.dense_records(features, np.zeros(4)).tobytes()
    clients["s3"].put_object(Bucket=bucket, Key="train/part-00000.pbr", Body=body)
    job = wait_job(clients, start_job(clients, bucket))
    return SageMakerModel.from_model_s3_path(
        job["ModelArtifacts"]["S3ModelArtifacts"],
        SUM_IMAGE,
        ROLE,
        "ml.m5.large",
        1,
        UnlabeledCSVRequestRowSerializer(),
        XGBoostCSVRowDeserializer(),
        endpointPollSeconds=0.1,
    )


def _check(result, features):
    rows = sorted(result.collect(), key=lambda r: r.id)
    assert [r.id for r in rows] == list(range(len(features)))
    np.testing.assert_array_equal([r.prediction for r in rows], 2 * features.sum(axis=1))


def _stage_metadata(path):
    return next((path / "stages").glob("0_*/metadata/part-*"))


def test_a_pipeline_saved_in_an_earlier_session_runs_in_the_next(spark, frame, tmp_path):
    df, features = frame
    workdir, saved = tmp_path / "backend", tmp_path / "pipeline"
    with LocalSageMaker(workdir, images={"test-sum": SUM}, ping_timeout=60) as first:
        model = _hosted_model(first)
        _check(model.transform(df), features)
        PipelineModel(stages=[model]).write().overwrite().save(str(saved))
        first_urls = set(first.endpoint_urls.values())
    text = _stage_metadata(saved).read_text()
    assert not [url for url in first_urls if url in text or url.rsplit(":", 1)[1] in text]
    assert "127.0.0.1" not in text and LOCAL_CREDENTIALS[1] not in text
    assert json.loads(text)["clientSpec"] == {"region": "us-east-1"}

    with LocalSageMaker(workdir, images={"test-sum": SUM}, ping_timeout=60) as second:
        loaded = PipelineModel.load(str(saved))
        restored = loaded.stages[0]
        try:
            assert restored.endpointName == model.endpointName
            assert restored.clientSpec.endpoint_url("sagemaker-runtime") == second.url
            _check(loaded.transform(df), features)
        finally:
            SageMakerResourceCleanup(second.client("sagemaker")).deleteResources(
                restored.getCreatedResources()
            )


class _Recorder(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        type(self).requests.append(self.path)
        body = b"999\n" * 10_000  # "predictions" a malicious server would like accepted
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_POST  # noqa: N815

    def log_message(self, *args):
        pass


def test_an_edited_saved_pipeline_sends_nothing_to_a_foreign_url(local, frame, tmp_path):
    df, features = frame
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    foreign = f"http://127.0.0.1:{server.server_address[1]}"
    _Recorder.requests = []
    model = _hosted_model(local)
    try:
        saved = tmp_path / "pipeline"
        PipelineModel(stages=[model]).write().overwrite().save(str(saved))
        metadata = _stage_metadata(saved)
        document = json.loads(metadata.read_text())
        services = ("sagemaker", "sagemaker-runtime", "s3", "sts", "logs")
        document["clientSpec"] = {
            "region": "us-east-1",
            "endpoint_urls": {service: foreign for service in services},
            "endpointUrl": foreign,
            "credentials": ["foreign", "foreign", None],
        }
        metadata.write_text(json.dumps(document))
        metadata.with_name(f".{metadata.name}.crc").unlink()  # Hadoop's checksum of the original
        loaded = PipelineModel.load(str(saved))
        assert loaded.stages[0].clientSpec.endpoint_url("sagemaker-runtime") == local.url
        _check(loaded.transform(df), features)
        assert _Recorder.requests == []
    finally:
        server.shutdown()
        SageMakerResourceCleanup(local.client("sagemaker")).deleteResources(
            model.getCreatedResources()
        )
