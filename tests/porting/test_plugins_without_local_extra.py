"""A user who trains only on SageMaker installs a plugin without its ``[local]`` extra: no
smspark-local and no scipy. Its estimators, deserializers and registrations must load and
build there (the choice vocabularies they share with the local image live in a module that
imports nothing)."""

from __future__ import annotations

import subprocess
import sys

import pytest

PLUGINS = {
    "smspark_kmeans": "smspark_kmeans.estimator",
    "smspark_pca": "smspark_pca.estimator",
    "smspark_linearlearner": "smspark_linearlearner.estimators",
    "smspark_xgboost": "smspark_xgboost.estimator",
    "smspark_factorizationmachines": "smspark_factorizationmachines.estimators",
    "smspark_lda": "smspark_lda.estimator",
    "smspark_knn": "smspark_knn.estimator",
    "smspark_randomcutforest": "smspark_randomcutforest.estimator",
}

PROGRAM = """
import sys
for absent in ("scipy", "smspark_local"):
    sys.modules[absent] = None  # importing it now raises ImportError, as if not installed
import importlib
package = importlib.import_module({package!r})
plugin = importlib.import_module({package!r} + ".plugin")
algorithms = []
plugin.register_algorithms(algorithms.append)
built = [estimator() for spec in algorithms for estimator in spec.estimators]
assert built, "the plugin registered no estimator"
importlib.import_module({estimators!r})
print(len(built))
"""


@pytest.mark.parametrize("package", sorted(PLUGINS))
def test_the_estimators_load_without_the_local_image(package):
    program = PROGRAM.format(package=package, estimators=PLUGINS[package])
    run = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    assert int(run.stdout) >= 1
