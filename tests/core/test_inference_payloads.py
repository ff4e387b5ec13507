"""``smspark_local.toolkit.payloads``: sparse parsing gives the same rows as dense parsing in
every request format, keeps sparse rows sparse (an all-zero sparse record too), and refuses
what the dense parser refuses."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse as sp
from smspark_local.toolkit import payloads
from smspark_local.toolkit.container import InvocationError

from smspark_core.codecs import amazon_record, recordio

ROWS = np.array([[0.0, 2.0, 0.0, 1.5], [0.0, 0.0, 0.0, 0.0], [3.0, 0.0, 0.0, 0.0]])


def _sparse_records(rows: np.ndarray) -> bytes:
    return b"".join(
        recordio.frame(
            amazon_record.record(amazon_record.sparse_tensor(rows.shape[1], r.indices, r.data))
        )
        for r in sp.csr_matrix(rows)
    )


BODIES = {
    "sparse recordio": (_sparse_records(ROWS), payloads.PROTOBUF),
    "dense recordio": (amazon_record.dense_records(ROWS).tobytes(), payloads.PROTOBUF),
    "json": (json.dumps({"instances": [{"features": r} for r in ROWS.tolist()]}).encode(),
             payloads.JSON),
    "sparse json lines": (
        "".join(
            json.dumps({"data": {"features": {"keys": r.indices.tolist(),
                                              "values": r.data.tolist(), "shape": [4]}}}) + "\n"
            for r in sp.csr_matrix(ROWS)
        ).encode(),
        payloads.JSONLINES,
    ),
    "csv": (b"0,2,0,1.5\n0,0,0,0\n3,0,0,0\n", payloads.CSV),
}  # fmt: skip


@pytest.mark.parametrize("kind", list(BODIES))
def test_sparse_and_dense_parsing_agree(kind):
    body, content_type = BODIES[kind]
    sparse = payloads.parse_sparse_features(body, content_type, 4)
    assert sp.issparse(sparse) and sparse.shape == (3, 4)
    np.testing.assert_array_equal(sparse.toarray(), ROWS)
    np.testing.assert_array_equal(payloads.parse_features(body, content_type, 4), ROWS)


def test_sparse_records_never_become_dense_rows():
    parsed = payloads.parse_sparse_features(_sparse_records(ROWS), payloads.PROTOBUF, 4)
    assert parsed.nnz == 3  # the empty second record holds nothing


@pytest.mark.parametrize(
    "body, content_type, message",
    [
        (_sparse_records(np.ones((1, 5))), payloads.PROTOBUF, "shape 5"),
        (b'{"features": {"keys": [7], "values": [1.0]}}', payloads.JSON, "outside 0..3"),
        (b'{"features": {"keys": [1, 2], "values": [1.0]}}', payloads.JSON, "2 keys but 1"),
        (b'{"features": [1, 2, NaN, 4]}', payloads.JSON, "row 0 holds a NaN"),
    ],
)
def test_bad_sparse_requests_are_400(body, content_type, message):
    with pytest.raises(InvocationError, match=message) as error:
        payloads.parse_sparse_features(body, content_type, 4)
    assert error.value.status == 400
