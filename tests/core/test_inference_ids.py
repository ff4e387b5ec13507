"""The inference ids of GenerateInferenceId: what the local backend appends is what the
batch-transform stage takes off, for CSV and JSON Lines, and a record without them is an
error naming the object and the record."""

from __future__ import annotations

import json

import pytest

from smspark_core.codecs.inference_ids import (
    InferenceIdError,
    append_inference_ids,
    inference_time,
    split_inference_ids,
)


def test_csv_records_round_trip():
    data = b"1.5,2\n3,4\n"
    marked = append_inference_ids(data, "text/csv", 1661820555.0)
    lines = marked.decode().splitlines()
    assert all(line.endswith(",2022-08-30T00:49:15Z") for line in lines)
    records, ids, times = split_inference_ids(marked, "text/csv", "s3://b/k.out")
    assert records == data
    assert len(set(ids)) == 2 and times == ["2022-08-30T00:49:15Z"] * 2


def test_json_lines_records_round_trip():
    data = b'{"score": 1.0}\n{"score": 2.0}\n'
    marked = append_inference_ids(data, "application/jsonlines", 0.0)
    first = json.loads(marked.splitlines()[0])
    assert set(first) == {"score", "SageMakerInferenceId", "SageMakerInferenceTime"}
    records, ids, times = split_inference_ids(marked, "application/jsonlines", "s3://b/k.out")
    assert [json.loads(line) for line in records.splitlines()] == [{"score": 1.0}, {"score": 2.0}]
    assert times == [inference_time(0.0)] * 2 == ["1970-01-01T00:00:00Z"] * 2


def test_a_record_without_ids_names_the_object_and_record():
    with pytest.raises(InferenceIdError, match=r"record 1 of s3://b/k.out"):
        split_inference_ids(
            b'{"score": 1, "SageMakerInferenceId": "a", "SageMakerInferenceTime": "t"}\n'
            b'{"score": 2}\n',
            "application/jsonlines",
            "s3://b/k.out",
        )
