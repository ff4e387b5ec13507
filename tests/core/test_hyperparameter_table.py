"""An algorithm's hyperparameter table: what its local image reads from the job's strings,
and the estimator's Params made from the same entries."""

from __future__ import annotations

import dataclasses

import pytest

from smspark_core.algorithms.params import hyperparameter_param
from smspark_core.codecs.hyperparameter_table import (
    FEATURE_DIM,
    REQUIRED,
    AutoOrNumber,
    Boolean,
    Choice,
    HyperparameterError,
    HyperparameterTable,
    Integer,
    Keywords,
    Number,
    Text,
)

TABLE = HyperparameterTable(
    [
        FEATURE_DIM,
        Integer("k", "Clusters.", REQUIRED, low=2),
        Integer("epochs", "Passes.", 1, low=0, low_open=True),
        Integer("extra", "Extra.", -1, low=1, also=(-1,)),
        Integer("pq_m", "Sub-vectors.", None, choices=(1, 2, 4)),
        Number("tol", "Tolerance.", 0.0001, low=0, high=1),
        AutoOrNumber("trials", "Trials.", low=1, integer=True),
        AutoOrNumber("weight", "Weight.", 1.0, low=0, low_open=True, words=("auto", "balanced")),
        Choice("init", "Initialisation.", "random", ("random", "kmeans++")),
        Boolean("use_bias", "Bias.", True),
        Boolean("normalize", "Normalize.", "auto", service_auto=True),
        Keywords("metrics", "Metrics.", ("msd",), ("msd", "ssd")),
        Text("updater", "Updaters.", None, r"grow_\w+|prune", "updater names", separator=","),
    ]
)


def test_a_job_with_only_the_required_values_gets_the_services_defaults():
    assert TABLE.parse({"feature_dim": "3", "k": "2"}) == {
        "feature_dim": 3,
        "k": 2,
        "epochs": 1,
        "extra": -1,
        "pq_m": None,
        "tol": 0.0001,
        "trials": None,
        "weight": 1.0,
        "init": "random",
        "use_bias": True,
        "normalize": None,
        "metrics": ("msd",),
        "updater": None,
    }


def test_values_are_typed_and_keys_the_table_does_not_declare_are_ignored():
    parsed = TABLE.parse(
        {
            "feature_dim": "3",
            "k": " 4 ",
            "epochs": "2.0",
            "extra": "-1",
            "pq_m": "4",
            "trials": "3",
            "weight": "balanced",
            "use_bias": "false",
            "normalize": "auto",
            "metrics": '["ssd", "msd"]',
            "updater": "grow_colmaker, prune",
            "force_dense": "True",
        }
    )
    assert (parsed["k"], parsed["epochs"], parsed["pq_m"], parsed["trials"]) == (4, 2, 4, 3)
    assert parsed["weight"] == "balanced" and parsed["use_bias"] is False
    assert parsed["normalize"] is None and parsed["metrics"] == ("ssd", "msd")
    assert parsed["updater"] == "grow_colmaker, prune" and "force_dense" not in parsed


@pytest.mark.parametrize(
    ("name", "text", "allowed"),
    [
        ("k", "1", "an integer >= 2"),
        ("k", "2.5", "an integer >= 2"),
        ("epochs", "0", "an integer > 0"),
        ("extra", "0", "-1 or an integer >= 1"),
        ("pq_m", "3", "one of 1, 2, 4"),
        ("tol", "nan", "a number >= 0 and <= 1"),
        ("trials", "1.5", "'auto' or an integer >= 1"),
        ("weight", "0", "'auto' or 'balanced' or a number > 0"),
        ("init", "kmeans", "one of random, kmeans++"),
        ("use_bias", "yes", "True or False"),
        ("metrics", "[]", "a non-empty list of msd, ssd"),
        ("updater", "grow_colmaker,refresh!", "updater names"),
    ],
)
def test_a_value_outside_the_table_fails_naming_the_hyperparameter(name, text, allowed):
    with pytest.raises(HyperparameterError) as error:
        TABLE.parse({"feature_dim": "3", "k": "2", name: text})
    assert str(error.value) == f"hyperparameter {name} must be {allowed}, got {text!r}"


def test_a_missing_required_hyperparameter_is_named():
    with pytest.raises(HyperparameterError, match="hyperparameter k is required"):
        TABLE.parse({"feature_dim": "3"})


def test_an_entry_is_declared_once():
    with pytest.raises(ValueError, match="hyperparameter k is declared twice"):
        HyperparameterTable([TABLE["k"], dataclasses.replace(TABLE["k"], default=3)])


def test_the_estimators_param_allows_what_the_table_allows():
    for entry in TABLE:
        param = hyperparameter_param(entry)
        assert param.name == entry.name and param.entry is entry
        assert param.doc == f"{entry.doc} Allowed: {entry.allowed}."
    k = hyperparameter_param(TABLE["k"])
    assert k.accept(3) == 3
    with pytest.raises(ValueError, match="k must be an integer >= 2"):
        k.accept(1)
