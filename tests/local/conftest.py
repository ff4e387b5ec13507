"""One local backend per module, with the test images registered explicitly (the core suite
does not load installed plugins)."""

from __future__ import annotations

import numpy as np
import pytest
from local_helpers import ECHO, ECHO_IMAGE, SUM, unique
from smspark_local import LocalSageMaker

from smspark_core.codecs import amazon_record


@pytest.fixture(scope="module")
def local():
    with LocalSageMaker(images={"test-sum": SUM}, ping_timeout=60) as backend:
        backend.register_image(ECHO_IMAGE, ECHO)
        yield backend


@pytest.fixture(scope="module")
def clients(local):
    return {
        s: local.client(s) for s in ("sagemaker", "sagemaker-runtime", "s3", "logs", "cloudwatch")
    }


@pytest.fixture(scope="module")
def training_data(clients):
    """A bucket with a RecordIO-protobuf train channel of 4 rows x 3 features."""
    s3 = clients["s3"]
    bucket = unique("data")
    s3.create_bucket(Bucket=bucket)
    features = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0], [0.0, 0.0, 0.0], [4.0, 4.0, 4.0]])
    body = amazon_record.dense_records(features, np.zeros(4)).tobytes()
    s3.put_object(Bucket=bucket, Key="train/part-00000.pbr", Body=body)
    return bucket
