"""Shared by the algorithm plugins' tests: estimators on a local backend, /opt/ml training
environments for calling a local image directly, and running an example script."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from smspark_local.toolkit.container import TrainingEnvironment

from smspark_core import EndpointCreationPolicy, IAMRole

ROLE = "arn:aws:iam::123456789012:role/smspark-test"
REPO = Path(__file__).resolve().parents[1]
INSTANCES = {
    "trainingInstanceType": "ml.m5.large",
    "trainingInstanceCount": 1,
    "endpointInstanceType": "ml.m5.large",
    "endpointInitialInstanceCount": 1,
}


def make_estimator(cls: type, local: Any = None, **kwargs: Any) -> Any:
    """``cls`` with a role, instances, no endpoint unless asked, fast polling, and the
    local backend's clients when ``local`` is given."""
    options = {
        "sagemakerRole": IAMRole(ROLE),
        **INSTANCES,
        "endpointCreationPolicy": EndpointCreationPolicy.DO_NOT_CREATE,
        "pollSeconds": 0.1,
    }
    if local is not None:
        options["clientSpec"] = local.client_spec
    return cls(**{**options, **kwargs})


def training_environment(
    root: Path, hyperparameters: dict[str, Any], channels: dict[str, tuple[str | None, Any]]
) -> TrainingEnvironment:
    """An /opt/ml layout under ``root``. ``channels``: name -> (content type or None,
    bytes of one file, or {file name: bytes})."""
    for channel, (_, files) in channels.items():
        directory = root / "input" / "data" / channel
        directory.mkdir(parents=True)
        for name, body in (files if isinstance(files, dict) else {"part-0": files}).items():
            (directory / name).write_bytes(body)
    (root / "model").mkdir()
    (root / "output").mkdir()
    config = {c: ({"ContentType": t} if t else {}) for c, (t, _) in channels.items()}
    return TrainingEnvironment(root, {k: str(v) for k, v in hyperparameters.items()}, config)


def run_example(script: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    """Runs ``examples/<script>`` (or the script at an absolute path) as a user would: a
    copy alone in a temporary directory (so only installed packages can be imported), its
    own Spark, plugins found through their entry points, boto3 pointed at the local backend
    by the environment; ``env`` adds variables (``SMSPARK_MASTER``, ``SMSPARK_REMOTE``)."""
    environment = {
        **os.environ,
        "SMSPARK_DISABLE_PLUGIN_AUTOLOAD": "",
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
        **env,
    }
    with tempfile.TemporaryDirectory(prefix="smspark-example-") as alone:
        copy = Path(alone) / Path(script).name
        shutil.copy(REPO / "examples" / script, copy)
        return subprocess.run(
            [sys.executable, str(copy), *args],
            cwd=alone,
            env=environment,
            capture_output=True,
            text=True,
            timeout=600,
        )


def digits_libsvm(path: Path, rows: int = 600) -> Path:
    """The first ``rows`` digits as a LibSVM file (1-based indices, as Spark writes it)."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    path.write_text(
        "".join(
            f"{label:g} " + " ".join(f"{j + 1}:{v:g}" for j, v in enumerate(row) if v) + "\n"
            for row, label in zip(x[:rows], y[:rows])
        )
    )
    return path


def plugin_fixtures(*plugins: str) -> tuple[Any, Any]:
    """A plugin folder's conftest fixtures: an autouse one making a host of just
    ``plugins`` the process-wide one (installed plugins cannot leak in), and ``local``, one
    local backend per module::

        plugin_host, local = plugin_fixtures("kmeans")
    """
    import pytest
    from smspark_local import LocalSageMaker

    from smspark_core.plugins import PluginHost, using_plugin_host

    @pytest.fixture(scope="module", autouse=True)
    def plugin_host():
        with using_plugin_host(PluginHost(only=list(plugins))) as host:
            yield host

    @pytest.fixture(scope="module")
    def local(plugin_host):
        with LocalSageMaker(ping_timeout=60) as backend:
            yield backend

    return plugin_host, local


def check_setters(estimator: Any, suffix: str, valid: list, invalid: list) -> None:
    """``set<suffix>`` accepts each valid ``(value, what get<suffix> then returns)`` (or a
    bare value returned as is, of the same type), and refuses each invalid ``value``
    (``ValueError``) or ``(value, error type)`` without changing any Param."""
    for item in valid:
        value, expected = item if isinstance(item, tuple) else (item, item)
        assert getattr(estimator, f"set{suffix}")(value) is estimator
        got = getattr(estimator, f"get{suffix}")()
        assert got == expected, f"get{suffix}() is {got!r} after set{suffix}({value!r})"
        # The Python type the original's getter returned: bool, int, float or str.
        assert type(got) is type(expected), f"get{suffix}() returned {type(got).__name__}"
    for bad in invalid:
        value, error = bad if isinstance(bad, tuple) else (bad, ValueError)
        before = estimator.extractParamMap()
        try:
            getattr(estimator, f"set{suffix}")(value)
        except error as raised:
            if error is ValueError:
                assert "must be" in str(raised) or "expected" in str(raised), raised
        else:
            raise AssertionError(f"set{suffix}({value!r}) did not raise {error.__name__}")
        assert estimator.extractParamMap() == before


def assert_batch_transform_matches_endpoint(local: Any, model: Any, df: Any) -> list:
    """Runs ``df`` through a fitted model's artifact twice, once on an endpoint and once
    through Batch Transform, and checks that every row gets the same predictions, in the
    same order; returns the batch rows. ``df`` should be deterministic (checkpointed)."""
    import uuid

    import numpy as np
    import pytest
    from pyspark.ml.linalg import Vector

    from smspark_core import SageMakerBatchTransformer, SageMakerModel, SageMakerResourceCleanup

    hosted = SageMakerModel.from_model_s3_path(
        model.getModelPath().to_s3_uri(),
        model.getModelImage(),
        ROLE,
        "ml.m5.large",
        1,
        model.getRequestRowSerializer(),
        model.getResponseRowDeserializer(),
        clientSpec=local.client_spec,
        endpointPollSeconds=0.1,
    )
    try:
        through_endpoint = hosted.transform(df).collect()
    finally:
        SageMakerResourceCleanup(hosted.sagemakerClient).delete_resources(
            hosted.getCreatedResources()
        )
    bucket = f"batch-{uuid.uuid4().hex[:8]}"
    local.client("s3").create_bucket(Bucket=bucket)
    stage = SageMakerBatchTransformer.from_model(
        model, stagingS3Uri=f"s3://{bucket}/staging", pollSeconds=0.1
    )
    through_batch = stage.transform(df).collect()
    assert len(through_batch) == len(through_endpoint) == df.count()
    for batch_row, endpoint_row in zip(through_batch, through_endpoint):
        assert batch_row.__fields__ == endpoint_row.__fields__
        for a, b in zip(batch_row, endpoint_row):
            if isinstance(a, Vector):
                np.testing.assert_allclose(a.toArray(), b.toArray(), rtol=1e-5, atol=1e-6)
            elif isinstance(a, float):
                assert a == pytest.approx(b, rel=1e-5, abs=1e-6)
            else:
                assert a == b
    return through_batch


HEAVY_MODULES = ("pyspark", "boto3", "botocore", "moto")


def modules_loaded_by(statement: str) -> set[str]:
    """The top-level packages among ``HEAVY_MODULES`` that ``statement`` loads, run in a
    fresh interpreter (this one has them all loaded already)."""
    heavy = set(HEAVY_MODULES)
    probe = (
        f"import sys\n{statement}\n"
        f"print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}} & {heavy!r})))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    return set(result.stdout.split())
