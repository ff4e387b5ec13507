"""The inference ids a Batch Transform job appends to its output when its
``DataCaptureConfig.GenerateInferenceId`` is on, in one place for both sides: the local backend
writes them as the service does, the batch-transform stage takes them off before its
deserializer reads the output and gives them back as two columns.

What the service writes (SageMaker Developer Guide, "Capture data from batch transform job",
section "InferenceId Generation"): for each output record a random UUID and the job's start
time in UTC; a CSV record gets them as its last two fields, a JSON Lines record as the keys
``SageMakerInferenceId`` and ``SageMakerInferenceTime``. The guide names CSV, JSON and JSON
Lines outputs; only the two line formats have one record per line, so those are the ones
handled here.
"""

from __future__ import annotations

import json
import time
import uuid

from smspark_core.foundation.errors import SmsparkError
from smspark_core.foundation.media_types import CSV, JSONLINES, media_type

INFERENCE_ID_FIELD = "SageMakerInferenceId"
INFERENCE_TIME_FIELD = "SageMakerInferenceTime"
INFERENCE_ID_ACCEPTS = (CSV, JSONLINES)


class InferenceIdError(SmsparkError, ValueError):
    """An output record without the inference id fields it should have."""


def inference_time(started: float) -> str:
    """The job start time as the service writes it: ``2022-08-30T00:49:15Z``."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started))


def append_inference_ids(data: bytes, accept: str, started: float) -> bytes:
    """``data`` (newline-assembled records of ``accept``) with a fresh id and ``started``
    appended to every record."""
    stamp = inference_time(started)
    is_csv = media_type(accept)[0] == CSV
    out = []
    for line in data.splitlines():
        if not line.strip():
            continue
        identifier = str(uuid.uuid4())
        if is_csv:
            out.append(line + f",{identifier},{stamp}".encode())
        else:
            record = json.loads(line)
            record[INFERENCE_ID_FIELD], record[INFERENCE_TIME_FIELD] = identifier, stamp
            out.append(json.dumps(record).encode())
    return b"".join(line + b"\n" for line in out)


def split_inference_ids(data: bytes, accept: str, where: str) -> tuple[bytes, list[str], list[str]]:
    """The records of ``data`` without their inference id fields, and the ids and times in
    record order. ``where`` names the object in the error of a record that lacks them."""
    is_csv = media_type(accept)[0] == CSV
    records, ids, times = [], [], []
    for number, line in enumerate(data.splitlines()):
        if not line.strip():
            continue
        try:
            if is_csv:
                record, identifier, stamp = line.rsplit(b",", 2)
                ids.append(identifier.decode().strip())
                times.append(stamp.decode().strip())
            else:
                parsed = json.loads(line)
                ids.append(str(parsed.pop(INFERENCE_ID_FIELD)))
                times.append(str(parsed.pop(INFERENCE_TIME_FIELD)))
                record = json.dumps(parsed).encode()
        except (ValueError, KeyError, AttributeError):
            raise InferenceIdError(
                f"record {number} of {where} has no inference id and time: the job was asked "
                f"for them (generateInferenceId) but its output line is {line[:200]!r}"
            ) from None
        records.append(record)
    return b"".join(record + b"\n" for record in records), ids, times
