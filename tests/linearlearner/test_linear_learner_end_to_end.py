"""Each Linear Learner estimator in a Pipeline from raw columns (VectorAssembler) on the
local backend, via examples/linear_learner_pipelines.py; a fitted pipeline saved and
loaded."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pyspark.ml import PipelineModel

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import linear_learner_pipelines as example  # noqa: E402
from smspark_local.session import delete_endpoints  # noqa: E402

pytestmark = pytest.mark.spark


@pytest.mark.parametrize("kind, floor", [("binary", 0.9), ("multiclass", 0.9), ("regressor", 0.3)])
def test_each_estimator_in_a_pipeline(local, spark, kind, floor):
    assert example.run(spark, kind, clientSpec=local.client_spec, pollSeconds=0.1) > floor


def test_fitted_pipeline_saved_and_loaded(local, spark, tmp_path):
    frame, columns = example.raw_frame(spark, "multiclass")
    model = example.pipeline(
        "multiclass", columns, clientSpec=local.client_spec, pollSeconds=0.1
    ).fit(frame)
    try:
        before = model.transform(frame).select("score", "predicted_label").collect()
        model.save(str(tmp_path / "pipeline"))
        loaded = PipelineModel.load(str(tmp_path / "pipeline"))
        assert loaded.stages[-1].endpointName == model.stages[-1].endpointName
        after = loaded.transform(frame).select("score", "predicted_label").collect()
        assert after == before
        assert len(before[0].score) == 3  # a vector of class probabilities
    finally:
        delete_endpoints(model)
