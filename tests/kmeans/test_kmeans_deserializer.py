"""KMeansProtobufResponseRowDeserializer on the original's golden cases, and on the JSON and
JSON Lines answers of the container."""

from __future__ import annotations

import json

import pytest
from golden import assert_deserializer_matches, deserializer_cases, load
from smspark_kmeans import KMeansProtobufResponseRowDeserializer

from smspark_core.foundation.errors import ResponseError
from smspark_core.plugins import get_plugin_host

# Cases where smspark deliberately differs (tested in tests/core/test_deliberate_fixes.py).
DELIBERATE = {"kmeans_vector_in_double_column", "kmeans_float64_tensor", "kmeans_int32_tensor"}
CASES = [
    c
    for c in deserializer_cases()
    if c["name"].startswith("kmeans_") and c["name"] not in DELIBERATE
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_golden_cases(case):
    golden = load("deserializers", case["name"])
    deserializer = KMeansProtobufResponseRowDeserializer(*golden["args"])
    assert_deserializer_matches(deserializer, golden, case["error"])


def test_json_and_json_lines():
    deserializer = KMeansProtobufResponseRowDeserializer("d", "c", accept="application/json")
    assert deserializer.accepts == "application/json"
    rows = [
        {"closest_cluster": 1.0, "distance_to_cluster": 3.0},
        {"closest_cluster": 0.0, "distance_to_cluster": 0.5},
    ]
    as_json = json.dumps({"predictions": rows}).encode()
    as_lines = b"".join(json.dumps(r).encode() + b"\n" for r in rows)
    for body in (as_json, as_lines):
        got = deserializer.deserialize_response(body)
        assert [tuple(r) for r in got] == [(3.0, 1.0), (0.5, 0.0)]
        assert list(got[0].__fields__) == ["d", "c"]
        batch = deserializer.deserialize_batch(body)
        assert batch.to_pydict() == {"d": [3.0, 0.5], "c": [1.0, 0.0]}


def test_json_errors_name_the_row_and_key():
    deserializer = KMeansProtobufResponseRowDeserializer()
    with pytest.raises(ResponseError, match="row 1: key 'distance_to_cluster' not found"):
        deserializer.deserialize_response(
            b'{"closest_cluster":1,"distance_to_cluster":2}\n{"closest_cluster":1}\n'
        )
    with pytest.raises(ResponseError, match="line 2"):
        deserializer.deserialize_response(b'{"closest_cluster":1}\n{oops\n')


def test_bad_accept_is_refused():
    with pytest.raises(ValueError, match="accept must be one of"):
        KMeansProtobufResponseRowDeserializer(accept="text/csv")


def test_registered_by_name_for_persistence():
    deserializer = KMeansProtobufResponseRowDeserializer("dist", "cluster", "application/jsonlines")
    host = get_plugin_host()
    assert host.name_of(deserializer) == "kmeans"
    again = host.deserializer("kmeans", deserializer.config())
    assert again.schema == deserializer.schema and again.accepts == "application/jsonlines"
