"""Every first-party estimator's hyperparameter setters and getters are in its source (so
IDEs and type checkers see them), and current with its Param declarations."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest

from smspark_core import accessor_codegen
from smspark_core.algorithms.params import HyperParameter

MODULES = [
    "smspark_kmeans.estimator",
    "smspark_pca.estimator",
    "smspark_linearlearner.estimators",
    "smspark_xgboost.estimator",
    "smspark_factorizationmachines.estimators",
    "smspark_lda.estimator",
    "smspark_knn.estimator",
    "smspark_randomcutforest.estimator",
]


@pytest.mark.parametrize("name", MODULES)
def test_the_generated_accessors_are_current(name):
    module = importlib.import_module(name)
    committed = Path(inspect.getsourcefile(module)).read_text()
    assert accessor_codegen.updated_source(module) == committed, (
        f"run: python -m smspark_core.accessor_codegen --in-place {name}"
    )


@pytest.mark.parametrize("name", MODULES)
def test_every_hyperparameter_has_accessors_defined_in_its_class(name):
    module = importlib.import_module(name)
    for cls in vars(module).values():
        if not (isinstance(cls, type) and cls.__module__ == name):
            continue
        skip = set(getattr(cls, "accessor_skip", ()))
        names = getattr(cls, "accessor_names", {})
        for param in vars(cls).values():
            if not isinstance(param, HyperParameter) or param.name in skip:
                continue
            suffix = names.get(param.name, accessor_codegen._camel(param.name))
            for accessor in (f"set{suffix}", f"get{suffix}"):
                assert accessor in vars(cls), f"{cls.__name__}.{accessor}"
