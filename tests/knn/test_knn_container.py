"""The local knn image's train and serve targets, called as the backend calls them:
dense, sparse and CSV training, the streamed sample, every index type and metric against
brute force, the dimension reductions, the vote and the mean, metrics, bad input, every
request and response format (verbose too), and the quality on scikit-learn's digits
against KNeighborsClassifier (figures printed; run with -s to see them)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse as sp
from algorithm_helpers import modules_loaded_by
from algorithm_helpers import training_environment as environment
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors
from smspark_knn import algorithm, container
from smspark_knn import model as artifact
from smspark_knn.algorithm import Projection, build_index, vote
from smspark_local.toolkit.container import InvocationError

from smspark_core.codecs import amazon_record
from smspark_core.codecs.hyperparameter_table import HyperparameterError

PROTOBUF = "application/x-recordio-protobuf"


def dense_recordio(x, labels=None) -> bytes:
    return amazon_record.dense_records(np.asarray(x, dtype=np.float64), labels).tobytes()


def sparse_recordio(x: sp.csr_matrix, labels=None) -> bytes:
    stream, _ = amazon_record.sparse_records(
        x.indptr, x.indices, x.data, np.full(x.shape[0], x.shape[1]), labels
    )
    return bytes(stream)


def hp(feature_dim, **extra):
    return {"k": 3, "sample_size": 10_000, "predictor_type": "classifier",
            "feature_dim": feature_dim, **extra}  # fmt: skip


def trained(tmp_path, hyperparameters, train, test=None, content_type=None):
    channels = {"train": (content_type, train)}
    if test is not None:
        channels["test"] = (content_type, test)
    env = environment(tmp_path, hyperparameters, channels)
    container.train(env)
    path = env.output_dir / "metrics.json"
    metrics = json.loads(path.read_text()) if path.exists() else {}
    return artifact.load(env.model_dir), metrics


@pytest.fixture(scope="module")
def digits():
    x, y = load_digits(return_X_y=True)
    return train_test_split(x, y.astype(float), test_size=0.2, random_state=0)


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(3)
    centres = rng.normal(0, 4, (6, 12))
    labels = rng.integers(0, 6, 1500)
    return rng.normal(0, 1, (1500, 12)) + centres[labels], labels.astype(float)


# ------------------------------------------------------------------------------ training


def test_dense_sparse_and_csv_training_give_the_same_model(tmp_path, blobs):
    x, y = blobs
    x = np.where(np.abs(x) < 1.0, 0.0, x)  # some zeros, so the sparse records are sparse
    csv = "".join(
        f"{label:g}," + ",".join(map(repr, row.tolist())) + "\n" for row, label in zip(x, y)
    )
    models = [
        trained(tmp_path / "dense", hp(12), dense_recordio(x, y))[0],
        trained(tmp_path / "sparse", hp(12), sparse_recordio(sp.csr_matrix(x), y))[0],
        trained(tmp_path / "csv", hp(12), csv.encode(), content_type="text/csv;label_size=1")[0],
    ]
    queries = x[:200] + 0.1
    answers = [m.predict(queries, verbose=True) for m in models]
    for other in answers[1:]:
        np.testing.assert_array_equal(other["predicted_label"], answers[0]["predicted_label"])
        np.testing.assert_allclose(other["distances"], answers[0]["distances"], rtol=1e-5)


def test_sparse_training_with_reduction_projects_batches_without_densifying(
    tmp_path, blobs, monkeypatch
):
    x, y = blobs
    monkeypatch.setattr(sp.csr_matrix, "toarray", lambda *_: pytest.fail("densified"))
    model, _ = trained(
        tmp_path,
        hp(12, dimension_reduction_type="sign", dimension_reduction_target=6),
        sparse_recordio(sp.csr_matrix(x), y),
    )
    assert model.index.points.shape == (1500, 6)


def test_the_sample_is_uniform_seeded_and_the_same_however_the_channel_is_batched(tmp_path, blobs):
    x, y = blobs
    x = np.hstack([x, np.arange(len(x))[:, None]])  # the row number, to identify rows
    body = dense_recordio(x, y)
    small, _ = trained(tmp_path / "a", hp(13, sample_size=300, mini_batch_size=7), body)
    large, _ = trained(tmp_path / "b", hp(13, sample_size=300), body)
    again, _ = trained(tmp_path / "c", hp(13, sample_size=300, mini_batch_size=7), body)
    rows = {int(v) for v in small.index.points[:, -1]}
    assert len(rows) == 300 == len(small.labels)
    assert rows == {int(v) for v in large.index.points[:, -1]}
    assert rows == {int(v) for v in again.index.points[:, -1]}
    # uniform: the sampled rows' positions spread over the whole channel
    positions = np.array(sorted(rows))
    assert 0.4 < positions.mean() / len(x) < 0.6
    assert np.histogram(positions, bins=5, range=(0, len(x)))[0].min() > 35


def test_test_channel_metrics(tmp_path, blobs):
    x, y = blobs
    _, metrics = trained(tmp_path / "c", hp(12), dense_recordio(x[:1000], y[:1000]),
                         dense_recordio(x[1000:], y[1000:]))  # fmt: skip
    assert set(metrics) == {"test:accuracy"} and metrics["test:accuracy"] > 0.95
    target = x[:, 0] * 2.0
    _, metrics = trained(tmp_path / "r", hp(12, predictor_type="regressor"),
                         dense_recordio(x[:1000], target[:1000]),
                         dense_recordio(x[1000:], target[1000:]))  # fmt: skip
    assert set(metrics) == {"test:mse"} and 0 < metrics["test:mse"] < target.var()


@pytest.mark.parametrize(
    "hyperparameters, body, content_type, message",
    [
        ({}, "unlabelled", None, "have no label"),
        ({"feature_dim": 7}, "ok", None, "feature_dim is 7"),
        ({}, "nan label", None, "record 2 has label nan; the k-NN classifier needs a numeric"),
        ({}, "text label", "text/csv", "invalid value .cat.*numeric label"),
        ({"k": 9}, "ok", None, "k is 9 but the train channel holds only 5 rows"),
        ({"k": 0}, "ok", None, "hyperparameter k must be an integer >= 1"),
        ({"predictor_type": "ranker"}, "ok", None, "predictor_type must be one of"),
        ({"sample_size": "many"}, "ok", None, "sample_size must be an integer"),
        ({"dimension_reduction_type": "sign"}, "ok", None, "dimension_reduction_target is required"),  # noqa: E501
        ({"dimension_reduction_type": "pca", "dimension_reduction_target": 2}, "ok", None,
         "dimension_reduction_type must be one of"),
        ({"dimension_reduction_type": "fjlt", "dimension_reduction_target": 5}, "ok", None,
         r"less than feature_dim \(5\)"),
        ({"index_type": "faiss.IVFPQ", "index_metric": "COSINE"}, "ok", None, "not supported"),
        ({"index_type": "faiss.HNSW"}, "ok", None, "index_type must be one of"),
        ({"index_metric": "L1"}, "ok", None, "index_metric must be one of"),
        ({"faiss_index_ivf_nlists": "0"}, "ok", None, "faiss_index_ivf_nlists"),
        ({"faiss_index_pq_m": "5"}, "ok", None, "faiss_index_pq_m must be one of"),
        # the estimator's rules between hyperparameters, checked again by the image
        ({"dimension_reduction_target": 2}, "ok", None, "needs a dimension_reduction_type"),
        ({"faiss_index_pq_m": "8"}, "ok", None, "faiss_index_pq_m applies only to"),
    ],
)  # fmt: skip
def test_bad_training_input_fails_naming_the_problem(
    tmp_path, hyperparameters, body, content_type, message
):
    x = np.eye(5)
    bodies = {
        "ok": dense_recordio(x, np.array([0.0, 1, 0, 1, 1])),
        "unlabelled": dense_recordio(x),
        "nan label": dense_recordio(x, np.array([0.0, 1, np.nan, 1, 1])),
        "text label": b"1,0,0,0,0,0\ncat,0,1,0,0,0\n",
    }
    with pytest.raises((HyperparameterError, ValueError), match=message):
        trained(tmp_path, {**hp(5), **hyperparameters}, bodies[body], content_type=content_type)


# ------------------------------------------------------------------- index and metrics


@pytest.fixture(scope="module")
def cloud():
    rng = np.random.default_rng(5)
    return rng.normal(size=(800, 10)), rng.normal(size=(60, 10))


def test_flat_l2_is_exact_with_squared_distances(cloud):
    points, queries = cloud
    distances, ids = build_index(points, "L2", "faiss.Flat", None, 0).search(queries, 4)
    reference, expected = NearestNeighbors(n_neighbors=4).fit(points).kneighbors(queries)
    np.testing.assert_array_equal(ids, expected)
    np.testing.assert_allclose(distances, reference**2, rtol=1e-9)
    assert (np.diff(distances, axis=1) >= 0).all()  # nearest first


def test_cosine_and_inner_product_are_exact_largest_first(cloud):
    points, queries = cloud
    similarity, ids = build_index(points, "COSINE", "faiss.Flat", None, 0).search(queries, 4)
    _, expected = NearestNeighbors(n_neighbors=4, metric="cosine").fit(points).kneighbors(queries)
    np.testing.assert_array_equal(ids, expected)
    unit = points / np.linalg.norm(points, axis=1, keepdims=True)
    unit_queries = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    np.testing.assert_allclose(similarity[:, 0], (unit[ids[:, 0]] * unit_queries).sum(1))
    assert (np.diff(similarity, axis=1) <= 0).all()  # largest first
    products, ids = build_index(points, "INNER_PRODUCT", "faiss.Flat", None, 0).search(queries, 4)
    brute = queries @ points.T
    np.testing.assert_array_equal(ids, np.argsort(-brute, axis=1)[:, :4])
    assert (np.diff(products, axis=1) <= 0).all()  # largest first


def test_queries_are_scored_in_chunks_with_the_same_answers(cloud, monkeypatch):
    points, queries = cloud
    whole = build_index(points, "L2", "faiss.IVFFlat", 8, 0).search(queries, 3)
    monkeypatch.setattr(algorithm, "SCORES_PER_CHUNK", 1000)  # 1 query row at a time
    chunked = build_index(points, "L2", "faiss.IVFFlat", 8, 0)
    np.testing.assert_array_equal(chunked.search(queries, 3)[1], whole[1])
    flat = build_index(points, "L2", "faiss.Flat", None, 0).search(queries, 3)
    _, expected = NearestNeighbors(n_neighbors=3).fit(points).kneighbors(queries)
    np.testing.assert_array_equal(flat[1], expected)


@pytest.mark.parametrize("index_type", ["faiss.IVFFlat", "faiss.IVFPQ"])
def test_ivf_is_a_real_approximation_with_high_recall(index_type, blobs):
    points, _ = blobs
    queries = points[:200] + np.random.default_rng(1).normal(0, 0.3, (200, 12))
    index = build_index(points, "L2", index_type, 16, 0)
    assert len(index.centroids) == 16 and index.nprobe == 4
    assert sum(len(members) for members in index.lists) == len(points)
    _, ids = index.search(queries, 5)
    _, exact = build_index(points, "L2", "faiss.Flat", None, 0).search(queries, 5)
    recall = np.mean([len(set(a) & set(b)) / 5 for a, b in zip(ids, exact)])
    print(f"\n{index_type}, 16 lists, 4 probed: recall@5 against exact search {recall:.3f}")
    assert recall > 0.9
    _, few = build_index(points, "L2", index_type, 64, 0).search(queries, 5)
    assert not np.array_equal(few, exact)  # 64 lists, 8 probed: it does miss some
    if index_type == "faiss.IVFFlat":
        one_list = build_index(points, "L2", index_type, 1, 0)
        np.testing.assert_array_equal(one_list.search(queries, 5)[1], exact)  # 1 list: exact


def test_ivfpq_codes_rank_the_candidates_and_exact_distances_rerank_them(blobs):
    points, _ = blobs
    queries = points[:100] + np.random.default_rng(2).normal(0, 0.3, (100, 12))
    index = build_index(points, "L2", "faiss.IVFPQ", 1, 0, pq_m=4)  # one list: PQ alone
    assert index.pq.codebooks.shape == (4, 256, 3) and index.codes.shape == (1500, 4)
    assert index.codes.dtype == np.uint8
    residuals = points - index.centroids[index.assignment]
    decoded = np.concatenate([index.pq.codebooks[j][index.codes[:, j]] for j in range(4)], axis=1)
    error = ((decoded - residuals) ** 2).sum(1).mean() / (residuals**2).sum(1).mean()
    distances, ids = index.search(queries, 5)
    exact_distances, exact = build_index(points, "L2", "faiss.Flat", None, 0).search(queries, 5)
    recall = np.mean([len(set(a) & set(b)) / 5 for a, b in zip(ids, exact)])
    print(f"\nIVFPQ m=4, 256 codes: relative quantization error {error:.3f}, recall@5 {recall:.3f}")
    assert error < 0.2 and recall > 0.9
    np.testing.assert_allclose(  # the answers carry exact distances
        distances, ((queries[:, None, :] - points[ids]) ** 2).sum(2), rtol=1e-9
    )


def test_ivf_lists_default_to_sqrt_of_the_sample_and_probe_more_for_k(blobs):
    points, _ = blobs
    index = build_index(points[:400], "L2", "faiss.IVFFlat", None, 0)
    assert len(index.centroids) == 20
    _, ids = index.search(points[:3], 150)  # more than the probed lists hold
    assert ids.shape == (3, 150) and all(len(set(row)) == 150 for row in ids)


@pytest.mark.parametrize("kind", ["sign", "fjlt"])
def test_dimension_reductions_preserve_distances(kind):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(200, 100))
    projection = Projection.random(kind, 100, 40, seed=4)
    reduced = projection.apply(x)
    assert reduced.shape == (200, 40)
    original = np.linalg.norm(x[:100] - x[100:], axis=1) ** 2
    ratio = np.linalg.norm(reduced[:100] - reduced[100:], axis=1) ** 2 / original
    print(
        f"\n{kind} 100 -> 40: squared-distance ratio mean {ratio.mean():.3f} sd {ratio.std():.3f}"
    )  # noqa: E501
    assert 0.85 < ratio.mean() < 1.15 and ratio.std() < 0.4
    np.testing.assert_allclose(projection.apply(sp.csr_matrix(x)), reduced, rtol=1e-9)


def test_reduction_is_stored_and_applied_when_serving(tmp_path, blobs):
    x, y = blobs
    model, _ = trained(
        tmp_path,
        hp(12, dimension_reduction_type="fjlt", dimension_reduction_target=6,
           index_type="faiss.IVFPQ", faiss_index_pq_m=4),
        dense_recordio(x, y),
    )  # fmt: skip
    metadata = json.loads((tmp_path / "model" / "model_algo-1.json").read_text())
    # IVFPQ raises the target to a multiple of faiss_index_pq_m, as the service documents
    assert metadata["dimension_reduction"] == {"type": "fjlt", "seed": 0, "target_dim": 8,
                                               "input_dim": 12}  # fmt: skip
    assert model.index.points.shape == (1500, 8)
    served = container.serve(tmp_path / "model")(
        dense_recordio(x[:50]), PROTOBUF, "application/json"
    )  # noqa: E501
    labels = [p["predicted_label"] for p in json.loads(served.body)["predictions"]]
    assert np.mean(np.array(labels) == y[:50]) > 0.9


def test_the_vote_ties_go_to_the_nearest_and_the_regressor_averages(tmp_path):
    assert vote(np.array([[1.0, 2, 2, 1], [3, 1, 1, 3, 3][:4], [5, 5, 4, 4]])).tolist() == [1, 3, 5]
    assert vote(np.array([[2.0, 7, 7]])).tolist() == [7]
    x = np.array([[0.0], [1.0], [2.0], [10.0]])
    model, _ = trained(tmp_path, hp(1, k=2, predictor_type="regressor"),
                       dense_recordio(x, np.array([1.0, 3.0, 8.0, 100.0])))  # fmt: skip
    assert model.predict(np.array([[0.4], [9.0]]))["predicted_label"].tolist() == [2.0, 54.0]


def test_editing_the_metadata_changes_k_and_the_predictor_type(tmp_path):
    x = np.array([[0.0], [1.0], [2.0]])
    trained(tmp_path, hp(1, k=1), dense_recordio(x, np.array([4.0, 6.0, 6.0])))
    path = tmp_path / "model" / "model_algo-1.json"
    handle = container.serve(tmp_path / "model")
    assert json.loads(handle(b"0\n", "text/csv", "application/json").body) == {
        "predictions": [{"predicted_label": 4.0}]
    }
    path.write_text(
        json.dumps({**json.loads(path.read_text()), "k": 3, "predictor_type": "regressor"})
    )  # noqa: E501
    again = container.serve(tmp_path / "model")(b"0\n", "text/csv", "application/json")
    assert json.loads(again.body)["predictions"][0]["predicted_label"] == pytest.approx(16 / 3)


def test_the_artifact_needs_no_pickle_and_says_what_is_wrong(tmp_path):
    trained(tmp_path, hp(2, k=1), dense_recordio(np.eye(2), np.array([0.0, 1.0])))
    with np.load(tmp_path / "model" / "model_algo-1", allow_pickle=False) as archive:
        assert set(archive.files) == {"points", "centroids", "assignment"}
    assert len((tmp_path / "model" / "model_algo-1.labels").read_bytes()) == 2 * 4  # float32
    (tmp_path / "model" / "model_algo-1").write_bytes(b"faiss index bytes")
    with pytest.raises(ValueError, match="not an smspark k-NN model"):
        artifact.load(tmp_path / "model")


# ----------------------------------------------------------------------------- serving


ROWS = np.array([[0.0, 0, 1], [5, 5, 0], [0, 5, 5], [0.2, 0, 0.9]])


@pytest.fixture(scope="module")
def handler(tmp_path_factory):
    root = tmp_path_factory.mktemp("knn-model")
    points = np.array([[0.0, 0, 1], [0, 0, 1.5], [5, 5, 0], [5, 4, 0], [0, 5, 5], [0, 4, 5]])
    labels = np.array([1.0, 1, 2, 2, 3, 3])
    trained(root, hp(3, k=2), dense_recordio(points, labels))
    return container.serve(root / "model")


def _requests():
    csr = sp.csr_matrix(ROWS)
    sparse_json = [
        {"data": {"features": {"keys": row.indices.tolist(), "values": row.data.tolist(),
                               "shape": [3]}}}
        for row in csr
    ]  # fmt: skip
    csv = "".join(",".join(map(str, r)) + "\n" for r in ROWS.tolist())
    return {
        "dense recordio": (dense_recordio(ROWS), PROTOBUF),
        "sparse recordio": (sparse_recordio(csr), PROTOBUF),
        "json": (json.dumps({"instances": [{"features": r} for r in ROWS.tolist()]}), "application/json"),  # noqa: E501
        "sparse json": (json.dumps({"instances": sparse_json}), "application/json"),
        "jsonlines": ("".join(json.dumps({"features": r}) + "\n" for r in ROWS.tolist()),
                      "application/jsonlines"),
        "csv": (csv, "text/csv"),
        "csv with a label column": ("".join(f"9,{line}\n" for line in csv.splitlines()),
                                    "text/csv; label_size=1"),
    }  # fmt: skip


def _answers(body: bytes, accept: str) -> list[dict]:
    kind = accept.split(";")[0]
    if kind == PROTOBUF:
        return [
            {key: amazon_record.read_tensor(r.label[key]).values.tolist() for key in r.label}
            for r in amazon_record.decode_records(body)
        ]
    if kind == "application/json":
        rows = json.loads(body)["predictions"]
    else:
        rows = [json.loads(line) for line in body.decode().splitlines()]
    return [{k: v if isinstance(v, list) else [v] for k, v in r.items()} for r in rows]


ACCEPTS = [PROTOBUF, "application/json", "application/jsonlines"]


@pytest.mark.parametrize("request_kind", list(_requests()))
@pytest.mark.parametrize("accept", ACCEPTS + [f"{a}; verbose=true" for a in ACCEPTS])
def test_every_request_and_response_format(handler, request_kind, accept):
    body, content_type = _requests()[request_kind]
    response = handler(body if isinstance(body, bytes) else body.encode(), content_type, accept)
    assert response.content_type == accept.split(";")[0]
    answers = _answers(response.body, accept)
    assert [a["predicted_label"] for a in answers] == [[1.0], [2.0], [3.0], [1.0]]
    if "verbose" not in accept:
        assert all(set(a) == {"predicted_label"} for a in answers)
        return
    assert [a["labels"] for a in answers] == [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0], [1.0, 1.0]]
    np.testing.assert_allclose(answers[0]["distances"], [0.0, 0.25], atol=1e-6)  # squared L2
    np.testing.assert_allclose(answers[3]["distances"], [0.05, 0.4], rtol=1e-5)


def test_no_accept_answers_json(handler):
    response = handler(dense_recordio(ROWS[:1]), PROTOBUF, "*/*")
    assert response.content_type == "application/json"


@pytest.mark.parametrize(
    "body, content_type, accept, status, message",
    [
        (dense_recordio(np.ones((2, 5))), PROTOBUF, PROTOBUF, 400, "expects 3"),
        (sparse_recordio(sp.csr_matrix(np.ones((1, 9)))), PROTOBUF, PROTOBUF, 400, "shape 9"),
        (b'{"instances": [{"features": [1, 2]}]}', "application/json", PROTOBUF, 400, "expects 3"),
        (b"1,2,3,4\n", "text/csv", "application/json", 400, "expects 3"),
        (b"1,a,3\n", "text/csv", "application/json", 400, "not numeric"),
        (b"not recordio", PROTOBUF, PROTOBUF, 400, "malformed"),
        (b"{}", "text/plain", PROTOBUF, 415, "not supported"),
        (dense_recordio(ROWS), PROTOBUF, "text/csv", 406, "not supported"),
        (b"1,2,3\n", "text/csv; label_size=x", "application/json", 400, "label_size"),
    ],
)
def test_bad_requests_are_4xx_naming_the_problem(handler, body, content_type, accept, status,
                                                 message):  # fmt: skip
    with pytest.raises(InvocationError, match=message) as error:
        handler(body, content_type, accept)
    assert error.value.status == status


def test_the_local_image_loads_no_spark_and_no_aws_sdk():
    assert modules_loaded_by("import smspark_knn.container") == set()
    assert modules_loaded_by("import smspark_knn") == set()  # estimator names load lazily


# ------------------------------------------------------------------------------ quality


@pytest.mark.parametrize("metric, sklearn_metric", [("L2", "euclidean"), ("COSINE", "cosine")])
def test_digits_accuracy_within_one_point_of_scikit_learn(tmp_path, digits, metric, sklearn_metric):
    x_train, x_test, y_train, y_test = digits
    for k in (1, 5, 10):
        model, metrics = trained(
            tmp_path / f"{metric}{k}",
            hp(64, k=k, sample_size=len(x_train), index_metric=metric),
            dense_recordio(x_train, y_train),
            dense_recordio(x_test, y_test),
        )
        served = container.serve(tmp_path / f"{metric}{k}" / "model")
        response = served(dense_recordio(x_test), PROTOBUF, "application/jsonlines")
        predicted = np.array(
            [json.loads(line)["predicted_label"] for line in response.body.splitlines()]
        )
        ours = float((predicted == y_test).mean())
        assert ours == pytest.approx(metrics["test:accuracy"])
        reference = KNeighborsClassifier(k, metric=sklearn_metric, algorithm="brute")
        theirs = reference.fit(x_train, y_train).score(x_test, y_test)
        print(f"\ndigits 1437/360, k={k}, {metric}, faiss.Flat: local image {ours:.4f}, "
              f"scikit-learn KNeighborsClassifier {theirs:.4f}")  # fmt: skip
        assert abs(ours - theirs) <= 0.01


def test_digits_with_approximate_indexes_and_reduction(tmp_path, digits):
    x_train, x_test, y_train, y_test = digits
    exact = KNeighborsClassifier(5).fit(x_train, y_train).score(x_test, y_test)
    settings = {
        "faiss.IVFFlat": {"index_type": "faiss.IVFFlat"},
        "faiss.IVFPQ": {"index_type": "faiss.IVFPQ", "faiss_index_pq_m": 8},
        "sign 64 -> 32": {"dimension_reduction_type": "sign", "dimension_reduction_target": 32},
        "fjlt 64 -> 32": {"dimension_reduction_type": "fjlt", "dimension_reduction_target": 32},
    }
    for name, extra in settings.items():
        _, metrics = trained(tmp_path / name.split()[0], hp(64, k=5, **extra),
                             dense_recordio(x_train, y_train), dense_recordio(x_test, y_test))  # fmt: skip  # noqa: E501
        print(f"\ndigits, k=5, {name}: accuracy {metrics['test:accuracy']:.4f} (exact {exact:.4f})")
        assert metrics["test:accuracy"] > exact - 0.03
