"""Each first-party algorithm declares its hyperparameters once, in its plugin's
``hyperparameters.HYPERPARAMETERS`` table: every hyperparameter Param of its estimators is made
from that table, and what the estimator sends, the local image's parser reads back."""

from __future__ import annotations

import importlib
import inspect

import pytest
from test_plugins_without_local_extra import PLUGINS

from smspark_core.algorithms.estimator import AlgorithmEstimator
from smspark_core.algorithms.params import HyperParameter
from smspark_core.codecs.hyperparameter_table import REQUIRED, HyperparameterTable
from smspark_core.codecs.hyperparameter_text import hyperparameter_text


def _estimator_classes(module_name: str) -> list[type]:
    """The module's estimators that users build: a shared base of several (Linear Learner's,
    Factorization Machines') is none (its ``default_deserializer`` is its subclasses'), and
    its Params are on each subclass."""
    module = importlib.import_module(module_name)
    classes = [
        cls
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, AlgorithmEstimator) and cls.__module__ == module.__name__
    ]
    return [cls for cls in classes if not any(c is not cls and issubclass(c, cls) for c in classes)]


def _hyperparameters(cls: type) -> list[HyperParameter]:
    params = (getattr(cls, name) for name in dir(cls) if not name.startswith("_"))
    return [param for param in params if isinstance(param, HyperParameter)]


@pytest.mark.parametrize("package", sorted(PLUGINS))
def test_every_hyperparameter_param_is_made_from_the_plugins_table(package):
    table = importlib.import_module(f"{package}.hyperparameters").HYPERPARAMETERS
    assert isinstance(table, HyperparameterTable)
    classes = _estimator_classes(PLUGINS[package])
    assert classes
    for cls in classes:
        for param in _hyperparameters(cls):
            assert param.entry is not None, f"{cls.__name__}.{param.name} is not from a table"
            assert param.name in table, f"{cls.__name__}.{param.name} is not in {package}'s table"
            # the shared entries (feature_dim, mini_batch_size) may carry this algorithm's
            # default in the table; their bounds and kind are the same
            entry = table[param.name]
            assert type(param.entry) is type(entry) and param.entry.allowed == entry.allowed


@pytest.mark.parametrize("package", sorted(PLUGINS))
def test_the_local_image_reads_back_every_default_the_estimator_sends(package):
    """Every value an estimator has by default is sent as text that the table parses, and
    the table's own defaults are values the estimator would accept."""
    table = importlib.import_module(f"{package}.hyperparameters").HYPERPARAMETERS
    for cls in _estimator_classes(PLUGINS[package]):
        estimator = cls()
        for param in _hyperparameters(cls):
            if estimator.hasDefault(param.name):
                value = estimator.getOrDefault(param.name)
                table[param.name].parse({param.name: hyperparameter_text(value)})
    for entry in table:
        if entry.default not in (None, REQUIRED):
            assert entry.parse({}) == entry.default or entry.default == "auto"
