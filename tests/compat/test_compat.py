"""smspark-compat: the original's module names, every public name, keyword and method of
``sagemaker_pyspark`` 1.4.5, its README's examples running with no edit, and a clear refusal
to run beside AWS's package."""

from __future__ import annotations

import importlib
import logging
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import sagemaker_pyspark
from algorithm_helpers import INSTANCES, REPO, ROLE, digits_libsvm, run_example
from api_inventory import JVM_ONLY, ORIGINAL_API, ORIGINAL_MODULES, compare
from sagemaker_pyspark import EndpointCreationPolicy, IAMRole, SageMakerModel
from sagemaker_pyspark._guard import check_and_announce
from sagemaker_pyspark.transformation.serializers import ProtobufRequestRowSerializer

ENTRIES = [
    (module, name, entry) for module, names in ORIGINAL_API.items() for name, entry in names.items()
]


@pytest.mark.parametrize(
    ("module", "name", "entry"), ENTRIES, ids=[f"{m}.{n}" for m, n, _ in ENTRIES]
)
def test_every_public_name_keyword_and_method_of_the_original(module, name, entry):
    assert compare(module, name, entry) == []


def _kmeans(**kwargs):
    """The original's k-means estimator (plugin classes resolve once the host is set)."""
    from sagemaker_pyspark.algorithms import KMeansSageMakerEstimator

    return KMeansSageMakerEstimator(**INSTANCES, sagemakerRole=IAMRole(ROLE), **kwargs)


@pytest.mark.parametrize("module", sorted(ORIGINAL_MODULES))
def test_every_module_path_of_the_original(module):
    """Programs import from the modules too (``sagemaker_pyspark.S3Resources``, ...)."""
    imported = importlib.import_module(module)
    assert [n for n in ORIGINAL_MODULES[module] if not hasattr(imported, n)] == []


@pytest.mark.parametrize("name", sorted(JVM_ONLY))
def test_the_jvm_bridge_names_import_and_say_there_is_no_jvm(name):
    from sagemaker_pyspark.wrapper import NoJvmBridgeError

    cls = getattr(importlib.import_module("sagemaker_pyspark.wrapper"), name)
    with pytest.raises(NoJvmBridgeError, match="smspark.*has no JVM bridge"):
        cls(None) if name != "SageMakerJavaWrapper" else cls()
    with pytest.raises(NotImplementedError, match=f"wrapper.{name}._from_java"):
        cls._from_java(object())
    with pytest.raises(NoJvmBridgeError, match="Option.empty"):
        sagemaker_pyspark.Option.empty()


def test_the_param_mixins_are_the_bases_of_their_estimators():
    from sagemaker_pyspark.algorithms import (
        FactorizationMachinesBinaryClassifier,
        FactorizationMachinesRegressor,
        LinearLearnerBinaryClassifier,
        LinearLearnerMultiClassClassifier,
        LinearLearnerRegressor,
    )
    from sagemaker_pyspark.algorithms.FactorizationMachinesSageMakerEstimator import (
        FactorizationMachinesParams,
    )
    from sagemaker_pyspark.algorithms.LinearLearnerSageMakerEstimator import (
        LinearLearnerParams,
    )

    for cls in (
        LinearLearnerBinaryClassifier,
        LinearLearnerMultiClassClassifier,
        LinearLearnerRegressor,
    ):
        assert issubclass(cls, LinearLearnerParams)
        assert isinstance(cls(**INSTANCES, sagemakerRole=IAMRole(ROLE)), LinearLearnerParams)
    for cls in (FactorizationMachinesBinaryClassifier, FactorizationMachinesRegressor):
        assert issubclass(cls, FactorizationMachinesParams)


def _stages():
    """One instance of each estimator and of the model, for the original's properties."""
    import sagemaker_pyspark.algorithms as algorithms
    from sagemaker_pyspark.transformation.deserializers import (
        KMeansProtobufResponseRowDeserializer,
    )

    options = {**INSTANCES, "sagemakerRole": IAMRole(ROLE)}
    stages = {
        name: getattr(algorithms, name)(**options)
        for name in ORIGINAL_API["sagemaker_pyspark.algorithms"]
    }
    stages["SageMakerModel"] = SageMakerModel(
        endpointInstanceType="ml.m5.large",
        endpointInitialInstanceCount=1,
        requestRowSerializer=ProtobufRequestRowSerializer(),
        responseRowDeserializer=KMeansProtobufResponseRowDeserializer(),
        existingEndpointName="an-endpoint",
        endpointCreationPolicy=EndpointCreationPolicy.DO_NOT_CREATE,
    )
    return stages


def test_every_property_of_the_original_stages():
    missing = []
    for name, stage in _stages().items():
        module = "sagemaker_pyspark" if name == "SageMakerModel" else "sagemaker_pyspark.algorithms"
        missing += [
            f"{name}.{p}" for p in ORIGINAL_API[module][name]["properties"] if not hasattr(stage, p)
        ]
    assert missing == []


def test_the_original_test_suites_jvm_calls_answer_from_python():
    """The original's tests compare each getter with its JVM twin after a transfer."""
    kmeans = _kmeans(uid="sagemaker")
    kmeans.setK(4)
    kmeans._transfer_params_to_java()
    assert kmeans._call_java("getK") == kmeans.getK() == 4
    assert kmeans.uid == "sagemaker"


@pytest.mark.spark
def test_a_pipeline_saved_through_compat_loads_by_the_original_class_path(spark, tmp_path):
    from pyspark.ml import Pipeline

    kmeans = _kmeans().setK(3)
    Pipeline(stages=[kmeans]).save(str(tmp_path / "p"))
    loaded = Pipeline.load(str(tmp_path / "p")).getStages()[0]
    assert type(loaded) is type(kmeans)
    assert type(loaded).__module__ == "sagemaker_pyspark.algorithms.KMeansSageMakerEstimator"
    assert loaded.getK() == 3


def test_importing_says_it_is_smspark(caplog):
    with caplog.at_level(logging.WARNING, logger="sagemaker_pyspark"):
        check_and_announce()
    assert "smspark-compat" in caplog.text and "not AWS's sagemaker-pyspark" in caplog.text
    assert sagemaker_pyspark.classpath_jars() == []


def test_refuses_to_run_beside_the_real_package(tmp_path, monkeypatch):
    info = tmp_path / "sagemaker_pyspark-1.4.5.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: sagemaker-pyspark\nVersion: 1.4.5\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ImportError, match=r"AWS's sagemaker-pyspark 1\.4\.5 is installed beside"):
        check_and_announce()


def test_the_jar_listing_scripts_print_a_jar_with_no_classes():
    scripts = Path(sys.executable).parent
    for script in ("sagemakerpyspark-jars", "sagemakerpyspark-emr-jars"):
        printed = subprocess.run([scripts / script], capture_output=True, text=True).stdout
        jar = Path(printed.strip())
        with zipfile.ZipFile(jar) as archive:
            assert archive.namelist() == ["META-INF/MANIFEST.MF"]
        usage = subprocess.run([scripts / script, "--help"], capture_output=True, text=True)
        assert "usage" in usage.stdout
    assert sagemaker_pyspark.classpath_jars() == []


@pytest.mark.spark
def test_the_original_readmes_spark_submit_command_line_runs(tmp_path):
    """``spark-submit --jars `sagemakerpyspark-jars` app.py``: with an empty output,
    ``--jars`` would take app.py as its value and spark-submit would have no program."""
    app = tmp_path / "app.py"
    marker = tmp_path / "ran"
    app.write_text(
        "from pyspark.sql import SparkSession\n"
        "import sagemaker_pyspark\n"
        "spark = SparkSession.builder.master('local[1]').getOrCreate()\n"
        f"open({str(marker)!r}, 'w').write(str(spark.range(3).count()))\n"
        "spark.stop()\n"
    )
    bin_dir = Path(sys.executable).parent
    command = f"{bin_dir / 'spark-submit'} --jars `{bin_dir / 'sagemakerpyspark-jars'}` {app}"
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}
    run = subprocess.run(command, shell=True, capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert marker.read_text() == "3"


def _original_program(example: str, tmp_path: Path) -> Path:
    """``examples/<example>`` with each ``# was:`` line put back in place of the line after
    it: the original README's program, with only its data and session as the example sets."""
    source = (REPO / "examples" / example).read_text()
    restored = re.sub(r"^# was: (.*)\n.*\n", r"\1\n", source, flags=re.M)
    assert "smspark" not in restored.split('"""', 2)[2], "an smspark import is left"
    path = tmp_path / example.replace("port_", "original_")
    path.write_text(restored)
    return path


@pytest.mark.parametrize(
    ("example", "output"),
    [("port_sagemaker_pyspark_kmeans.py", "|distance_to_cluster|closest_cluster|"),
     ("port_sagemaker_pyspark_xgboost.py", "|prediction|")],
)  # fmt: skip
def test_the_original_readme_examples_run_unchanged(local, tmp_path, example, output):
    data = digits_libsvm(tmp_path / "digits.libsvm")
    result = run_example(str(_original_program(example, tmp_path)), str(data))
    assert result.returncode == 0, result.stderr[-3000:]
    assert output in result.stdout.replace(" ", "")
    assert "smspark-compat" in result.stderr
