"""The local randomcutforest image, called as the backend calls it: the forest's trees (cuts
proportional to the sides, leaves of one point), the exact expected CoDisp against a Monte
Carlo run of the paper's insertion, the reservoir (uniform, the same however the channel is
cut, memory that follows the forest and not the data), dense, sparse and CSV training, the
three-sigma test metrics, bad input, every request and response format, the artifact, and
the quality: AUC on 50,000 Gaussian-mixture points with 0.5% planted outliers, beside
scikit-learn's IsolationForest (figures printed; run with -s to see them)."""

from __future__ import annotations

import io
import json
import time

import numpy as np
import pytest
import scipy.sparse as sp
from algorithm_helpers import modules_loaded_by
from algorithm_helpers import training_environment as environment
from smspark_local.toolkit.channels import Batch
from smspark_local.toolkit.container import InvocationError
from smspark_randomcutforest import container, forest, metrics
from smspark_randomcutforest import model as artifact
from smspark_randomcutforest.forest import build_forest
from smspark_randomcutforest.reservoir import Reservoir, tree_samples

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


def csv_text(x, labels=None) -> bytes:
    lead = [] if labels is None else [[f"{v:g}"] for v in labels]
    return "".join(
        ",".join((lead[i] if lead else []) + [repr(float(v)) for v in row]) + "\n"
        for i, row in enumerate(np.asarray(x))
    ).encode()


def mixture(rows: int, dim: int, outlier_share: float, seed: int, planted: str = "box"):
    """Points of five unit Gaussians (centres drawn with spread 5) and ``outlier_share`` of
    planted outliers, labelled 1: uniform over the bounding box of the normal points
    (``box``), or drawn around the same centres with three times the spread (``spread``,
    harder: many fall near the clusters); shuffled."""
    rng = np.random.default_rng(seed)
    outliers = int(round(rows * outlier_share))
    centres = rng.normal(0, 5, (5, dim))
    normal = centres[rng.integers(0, 5, rows - outliers)] + rng.normal(0, 1, (rows - outliers, dim))
    if planted == "box":
        odd = rng.uniform(normal.min(axis=0), normal.max(axis=0), (outliers, dim))
    else:
        odd = centres[rng.integers(0, 5, outliers)] + rng.normal(0, 3, (outliers, dim))
    order = rng.permutation(rows)
    x = np.vstack([normal, odd])[order]
    y = np.concatenate([np.zeros(rows - outliers), np.ones(outliers)])[order]
    return x, y


def hp(feature_dim, **extra):
    return {"feature_dim": feature_dim, "num_trees": 50, "num_samples_per_tree": 64, **extra}


def trained(tmp_path, hyperparameters, train, test=None, content_type=None, test_type=None):
    channels = {"train": (content_type, train)}
    if test is not None:
        channels["test"] = (test_type or content_type, test)
    env = environment(tmp_path, hyperparameters, channels)
    container.train(env)
    path = env.output_dir / "metrics.json"
    found = json.loads(path.read_text()) if path.exists() else {}
    return artifact.load(env.model_dir), found


def batches_of(x, size=1000):
    return (Batch(x[i : i + size]) for i in range(0, len(x), size))


@pytest.fixture(scope="module")
def blobs():
    return mixture(3000, 6, 0.01, seed=1)


# ------------------------------------------------------------------------------ the trees


def test_every_tree_cuts_its_sample_down_to_single_points():
    rng = np.random.default_rng(2)
    points = rng.normal(size=(4 * 40, 3))
    points[5] = points[6]  # a repeated point shares a leaf
    built = build_forest(points, 4, np.random.default_rng(0))
    inner = np.flatnonzero(built.cut_dim >= 0)
    leaves = np.flatnonzero(built.cut_dim < 0)
    np.testing.assert_array_equal(built.lower[leaves], built.upper[leaves])  # one point each
    assert (
        built.size[inner] == built.size[built.left[inner]] + built.size[built.right[inner]]
    ).all()
    assert sorted(built.size[built.roots]) == [40, 40, 40, 40]
    assert built.size[leaves].sum() == 160 and built.size[leaves].max() == 2
    for node in inner:  # children inside their parent, split by the parent's cut
        dim, cut = built.cut_dim[node], built.cut_value[node]
        left, right = built.left[node], built.right[node]
        assert built.lower[node][dim] <= cut < built.upper[node][dim]
        assert built.upper[left][dim] <= cut < built.lower[right][dim]
        for child in (left, right):
            assert (built.lower[child] >= built.lower[node]).all()
            assert (built.upper[child] <= built.upper[node]).all()
    for tree in range(4):  # each tree's leaves are its own sample, nothing else
        mine = np.zeros(len(built.size), bool)
        stack = [built.roots[tree]]
        while stack:
            node = stack.pop()
            mine[node] = True
            if built.cut_dim[node] >= 0:
                stack += [built.left[node], built.right[node]]
        own = leaves[mine[leaves]]
        found = np.repeat(built.lower[own], built.size[own], axis=0)
        expected = points[tree * 40 : (tree + 1) * 40].astype(np.float32)
        np.testing.assert_array_equal(np.sort(found, axis=0), np.sort(expected, axis=0))


def test_cuts_fall_in_each_dimension_in_proportion_to_its_side():
    """A box three times wider than tall: three root cuts in four across it, at values
    spread uniformly along the side."""
    rng = np.random.default_rng(3)
    trees = 2000
    points = np.column_stack([rng.uniform(0, 3, trees * 8), rng.uniform(0, 1, trees * 8)])
    corners = np.array([[0.0, 0.0], [3.0, 1.0]])
    points = points.reshape(trees, 8, 2)
    points[:, :2] = corners  # every tree's box is [0, 3] x [0, 1]
    built = build_forest(points.reshape(-1, 2), trees, np.random.default_rng(4))
    dims = built.cut_dim[built.roots]
    share = (dims == 0).mean()
    positions = built.cut_value[built.roots][dims == 0] / 3.0
    print(f"\nroot cuts across the long side: {share:.3f} (expected 0.75)")
    assert abs(share - 0.75) < 0.04
    assert np.histogram(positions, bins=4, range=(0, 1))[0].min() > 0.2 * len(positions)


def _monte_carlo_codisp(built, point, draws, rng) -> float:
    """The paper's insertion and CoDisp, drawn ``draws`` times in one tree, by definition:
    the cut drawn on the box grown by the point either separates it (the point becomes the
    node's sibling) or the point follows the node's own cut; then the largest
    |sibling(C)| / |C| over the subtrees C holding the point, the root excluded."""
    parent = {}
    for node in np.flatnonzero(built.cut_dim >= 0):
        parent[built.left[node]] = parent[built.right[node]] = node
    root = built.roots[0]

    def sibling(node):
        up = parent[node]
        return built.right[up] if built.left[up] == node else built.left[up]

    total = 0.0
    for _ in range(draws):
        node = root
        while True:
            low = np.minimum(built.lower[node], point)
            high = np.maximum(built.upper[node], point)
            sides = (high - low).astype(np.float64)
            if sides.sum() == 0:  # a copy of the leaf's point joins it
                ratios = []
                break
            dim = rng.choice(len(sides), p=sides / sides.sum())
            cut = rng.uniform(low[dim], high[dim])
            if (
                point[dim] <= cut < built.lower[node][dim]
                or built.upper[node][dim] <= cut < point[dim]
            ):
                ratios = [built.size[node]]  # the point alone, its sibling the node
                break
            side = built.right if point[built.cut_dim[node]] > built.cut_value[node] else built.left
            node = side[node]
        while node != root:
            ratios.append(built.size[sibling(node)] / (built.size[node] + 1))
            node = parent[node]
        total += max(ratios, default=0.0)
    return total / draws


def test_the_score_is_the_expected_codisp_of_the_papers_insertion():
    rng = np.random.default_rng(5)
    sample = rng.normal(size=(30, 3))
    built = build_forest(sample, 1, np.random.default_rng(6))
    queries = np.array([[0.1, -0.2, 0.3], [6.0, 6.0, -6.0], sample[7], [0.0, 0.0, 9.0]])
    exact = built.score(queries)
    for point, value in zip(queries.astype(np.float32), exact):
        estimate = _monte_carlo_codisp(built, point, 4000, np.random.default_rng(7))
        assert estimate == pytest.approx(value, rel=0.05, abs=0.05), (point, estimate, value)
    assert exact[1] > 5 * exact[0]  # far outside: displaces most of the tree
    assert exact[3] > 5 * exact[0]


def test_scores_are_deterministic_and_the_same_row_by_row_or_in_chunks(monkeypatch, blobs):
    x, _ = blobs
    settings = container.parse_settings(
        {"feature_dim": "6", "num_samples_per_tree": "64", "num_trees": "50"}
    )
    model = container.fit(batches_of(x), settings)
    whole = model.score(x[:500])
    monkeypatch.setattr(forest, "SCORE_CHUNK_VALUES", 1)  # one row at a time
    np.testing.assert_array_equal(model.score(x[:500]), whole)
    np.testing.assert_array_equal(model.score(x[250:500]), whole[250:])


# ------------------------------------------------------------------------ the reservoir


def test_the_reservoir_is_uniform_and_the_same_however_the_stream_is_cut():
    rows = np.arange(20_000, dtype=np.float64)[:, None]  # the row number, to identify rows
    samples = []
    for size in (7, 1000, 20_000):
        reservoir = Reservoir(2000, 1, np.random.default_rng(8))
        for start in range(0, len(rows), size):
            reservoir.add(rows[start : start + size])
        samples.append(reservoir.sample()[:, 0])
        assert reservoir.seen == 20_000
    np.testing.assert_array_equal(samples[0], samples[1])
    np.testing.assert_array_equal(samples[0], samples[2])
    assert len(np.unique(samples[0])) == 2000  # without replacement
    counts = np.histogram(samples[0], bins=10, range=(0, 20_000))[0]
    assert counts.min() > 160 and counts.max() < 240  # 200 expected in each tenth


def test_sparse_batches_are_densified_only_for_the_rows_that_get_in(monkeypatch):
    matrix = sp.random(5000, 50, density=0.05, format="csr", random_state=9)
    densified = []
    original = sp.csr_matrix.toarray

    def recording(self, *args):
        densified.append(self.shape[0])
        return original(self, *args)

    monkeypatch.setattr(sp.csr_matrix, "toarray", recording)
    reservoir = Reservoir(100, 50, np.random.default_rng(10))
    for start in range(0, 5000, 500):
        reservoir.add(matrix[start : start + 500])
    kept = reservoir.sample()
    assert kept.shape == (100, 50) and sum(densified) < 1000  # far fewer than 5000
    dense = matrix.toarray().astype(np.float32)
    assert all((dense == row).all(axis=1).any() for row in kept)  # real rows


def test_trees_get_their_own_rows_or_share_them_when_the_channel_is_small():
    rng = np.random.default_rng(11)
    rows = np.arange(1000, dtype=np.float32)[:, None]
    dealt = tree_samples(rows, 4, 250, rng).reshape(4, 250)
    assert len(np.unique(dealt)) == 1000  # a partition of the sample
    few = tree_samples(rows[:90], 50, 64, rng).reshape(50, 64)
    assert all(len(np.unique(tree)) == 64 for tree in few)  # no row twice in a tree
    assert len(np.unique(few)) == 90
    tiny = tree_samples(rows[:3], 50, 64, rng).reshape(50, 3)
    assert all(sorted(tree) == [0, 1, 2] for tree in tiny)


def test_training_memory_follows_the_forest_not_the_data(tmp_path):
    """Peak traced memory while training on four times the rows (same forest) stays about
    the same: only the reservoir, its waiting rows and one batch are held. The channel is in
    parts of 10,000 rows, as staging writes them (the RecordIO reader holds up to 4 MiB of
    one file at a time)."""
    import tracemalloc

    peaks = []
    for rows in (20_000, 80_000):
        x, _ = mixture(rows, 10, 0.005, seed=12)
        parts = {f"part-{i:03d}": dense_recordio(x[i : i + 10_000]) for i in range(0, rows, 10_000)}
        del x
        env = environment(tmp_path / str(rows), hp(10), {"train": (None, parts)})
        del parts
        tracemalloc.start()
        container.train(env)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    print(f"\nRCF training peak traced memory (50 trees x 64 rows): {peaks[0] / 1e6:.1f} MB "
          f"for 20,000 rows, {peaks[1] / 1e6:.1f} MB for 80,000")  # fmt: skip
    assert peaks[1] < 1.2 * peaks[0]


# ------------------------------------------------------------------------------ training


def test_dense_sparse_and_csv_training_give_the_same_model(tmp_path, blobs):
    x, y = blobs
    x = np.where(np.abs(x) < 0.5, 0.0, x)  # some zeros, so the sparse records are sparse
    models = [
        trained(tmp_path / "dense", hp(6), dense_recordio(x))[0],
        trained(tmp_path / "labelled", hp(6), dense_recordio(x, y))[0],  # a label is ignored
        trained(tmp_path / "sparse", hp(6), sparse_recordio(sp.csr_matrix(x)))[0],
        trained(tmp_path / "csv", hp(6), csv_text(x), content_type="text/csv")[0],
        trained(tmp_path / "csv1", hp(6), csv_text(x, y), content_type="text/csv;label_size=1")[0],
    ]
    scores = [m.score(x[:300]) for m in models]
    for other in scores[1:]:
        np.testing.assert_allclose(other, scores[0], rtol=1e-6)


def test_the_model_is_the_same_however_the_channel_is_split_into_files(tmp_path, blobs):
    x, _ = blobs
    one, _ = trained(tmp_path / "one", hp(6), dense_recordio(x))
    parts = {f"part-{i}": dense_recordio(x[i * 1100 : (i + 1) * 1100]) for i in range(3)}
    env = environment(tmp_path / "three", hp(6), {"train": (None, parts)})
    container.train(env)
    three = artifact.load(env.model_dir)
    np.testing.assert_array_equal(one.score(x[:200]), three.score(x[:200]))
    assert one.rows_seen == three.rows_seen == 3000


def test_hyperparameters_and_their_defaults():
    settings = container.parse_settings({"feature_dim": "4"})
    assert settings == container.RCFSettings(
        4, 256, 100, ("accuracy", "precision_recall_fscore"), 1000
    )
    settings = container.parse_settings(
        {"feature_dim": "4", "num_trees": "50", "num_samples_per_tree": "2048",
         "eval_metrics": '["accuracy"]', "mini_batch_size": "1000"}
    )  # fmt: skip
    assert (settings.num_trees, settings.num_samples_per_tree) == (50, 2048)
    assert settings.eval_metrics == ("accuracy",)
    assert container.parse_settings(
        {"feature_dim": "4", "eval_metrics": "[accuracy]"}
    ).eval_metrics == ("accuracy",)


@pytest.mark.parametrize(
    "hyperparameters, body, content_type, message",
    [
        ({"feature_dim": None}, "ok", None, "feature_dim is required"),
        ({"feature_dim": 0}, "ok", None, "feature_dim must be an integer >= 1"),
        ({"feature_dim": 10001}, "ok", None, "feature_dim must be an integer >= 1 and <= 10000"),
        ({"num_trees": 49}, "ok", None, "num_trees must be an integer >= 50"),
        ({"num_trees": 1001}, "ok", None, "num_trees must be an integer >= 50 and <= 1000"),
        ({"num_samples_per_tree": 2049}, "ok", None,
         "num_samples_per_tree must be an integer >= 1 and <= 2048"),
        ({"num_samples_per_tree": "many"}, "ok", None, "num_samples_per_tree must be an integer"),
        ({"mini_batch_size": 500}, "ok", None, "mini_batch_size must be 1000, got '500'"),
        ({"eval_metrics": "[f1]"}, "ok", None,
         "eval_metrics must be a non-empty list of accuracy, precision_recall_fscore"),
        ({"eval_metrics": "[]"}, "ok", None, "eval_metrics must be a non-empty list"),
        ({"feature_dim": 3}, "ok", None, "records 0..19 have 4 features, feature_dim is 3"),
        ({}, "nan", None, "record 6 holds a NaN or infinite value"),
        ({}, "text", "text/csv", "invalid value 'six'.*Random Cut Forest needs numeric features"),
        ({}, "empty", None, "the train channel holds no rows"),
    ],
)  # fmt: skip
def test_bad_training_input_fails_naming_the_problem(
    tmp_path, hyperparameters, body, content_type, message
):
    x = np.random.default_rng(13).normal(size=(20, 4))
    nan = x.copy()
    nan[6, 2] = np.nan
    bodies = {
        "ok": dense_recordio(x),
        "nan": dense_recordio(nan),
        "text": b"1,2,3,4\n5,six,7,8\n",
        "empty": b"",
    }
    values = {k: v for k, v in {**hp(4), **hyperparameters}.items() if v is not None}
    with pytest.raises((HyperparameterError, ValueError), match=message):
        trained(tmp_path, values, bodies[body], content_type=content_type)


# ------------------------------------------------------------------------- test metrics


def test_test_metrics_label_the_three_sigma_outliers_as_the_service_does(tmp_path):
    x, y = mixture(6000, 5, 0.01, seed=14)
    model, found = trained(
        tmp_path, hp(5), dense_recordio(x[:4000]), dense_recordio(x[4000:], y[4000:])
    )
    scores = model.score(x[4000:])
    predicted = scores > scores.mean() + 3 * scores.std()
    truth = y[4000:] == 1
    hits = (predicted & truth).sum()
    precision, recall = hits / predicted.sum(), hits / truth.sum()
    assert found["test:f1"] == pytest.approx(2 * precision * recall / (precision + recall))
    assert found["test:precision"] == pytest.approx(precision)
    assert found["test:recall"] == pytest.approx(recall)
    assert found["test:accuracy"] == pytest.approx((predicted == truth).mean())
    assert found["test:recall_normal"] == pytest.approx(
        (~predicted & ~truth).sum() / (~truth).sum()
    )
    assert set(found) == {
        "test:accuracy", "test:precision", "test:recall", "test:f1",
        "test:precision_normal", "test:recall_normal", "test:f1_normal",
    }  # fmt: skip
    print(f"\ntest channel (20 outliers in 2000 rows): F1 {found['test:f1']:.3f}, "
          f"precision {precision:.3f}, recall {recall:.3f}")  # fmt: skip
    assert found["test:f1"] > 0.5


def test_eval_metrics_choose_the_metrics_and_csv_test_labels_come_first(tmp_path, blobs):
    x, y = blobs
    _, found = trained(
        tmp_path / "a",
        hp(6, eval_metrics='["accuracy"]'),
        dense_recordio(x),
        csv_text(x[:500], y[:500]),
        test_type="text/csv",  # the label first, label_size=1 by default
    )
    assert set(found) == {"test:accuracy"}
    _, found = trained(tmp_path / "b", hp(6, eval_metrics="precision_recall_fscore"),
                       dense_recordio(x), dense_recordio(x[:500], y[:500]))  # fmt: skip
    assert "test:f1" in found and "test:accuracy" not in found
    _, found = trained(tmp_path / "c", hp(6), dense_recordio(x))
    assert found == {}  # no test channel, no metrics


def test_metrics_with_nothing_to_divide_by_are_zero():
    scores = np.ones(50)  # nothing beyond three sigma
    found = metrics.metrics_of(scores, np.r_[np.ones(2), np.zeros(48)])
    assert found["test:precision"] == found["test:f1"] == 0.0 and found["test:recall"] == 0.0
    assert found["test:accuracy"] == pytest.approx(0.96)


@pytest.mark.parametrize(
    "test, message",
    [
        ("unlabelled", "records 0.. have no label; the test channel needs label 1"),
        ("two", "record 3 has label 2.0; labels must be 1 \\(anomaly\\) or 0 \\(normal\\)"),
    ],
)
def test_bad_test_labels_fail_the_job_naming_the_record(tmp_path, blobs, test, message):
    x, y = blobs
    labels = y[:10].copy()
    labels[3] = 2
    bodies = {"unlabelled": dense_recordio(x[:10]), "two": dense_recordio(x[:10], labels)}
    with pytest.raises(HyperparameterError, match=message):
        trained(tmp_path, hp(6), dense_recordio(x), bodies[test])


# ------------------------------------------------------------------------------ serving


@pytest.fixture(scope="module")
def served(tmp_path_factory, blobs):
    x, _ = blobs
    env = environment(tmp_path_factory.mktemp("rcf"), hp(6), {"train": (None, dense_recordio(x))})
    container.train(env)
    return container.serve(env.model_dir), artifact.load(env.model_dir)


def _requests(rows: np.ndarray) -> dict[str, tuple[bytes, str]]:
    sparse = sp.csr_matrix(np.where(np.abs(rows) < 0.5, 0.0, rows))
    dense = [{"features": r.tolist()} for r in rows]
    keyed = [
        {
            "data": {
                "features": {"keys": r.indices.tolist(), "values": r.data.tolist(), "shape": [6]}
            }
        }
        for r in sparse
    ]
    return {
        "protobuf dense": (dense_recordio(rows), PROTOBUF),
        "protobuf sparse": (sparse_recordio(sparse), PROTOBUF),
        "csv": (csv_text(rows), "text/csv"),
        "json": (json.dumps({"instances": dense}).encode(), "application/json"),
        "json sparse": (json.dumps({"instances": keyed}).encode(), "application/json"),
        "jsonlines": (
            "".join(json.dumps(item) + "\n" for item in dense).encode(),
            "application/jsonlines",
        ),
    }


def _scores(body: bytes, content_type: str) -> list[float]:
    if content_type == PROTOBUF:
        return [
            float(amazon_record.read_tensor(record.label["score"]).values[0])
            for record in amazon_record.decode_records(body)
        ]
    if content_type == "application/json":
        return [item["score"] for item in json.loads(body)["scores"]]
    return [json.loads(line)["score"] for line in body.decode().splitlines()]


@pytest.mark.parametrize(
    "request_kind",
    ["protobuf dense", "protobuf sparse", "csv", "json", "json sparse", "jsonlines"],
)
@pytest.mark.parametrize("accept", [PROTOBUF, "application/json", "application/jsonlines", "*/*"])
def test_every_request_and_answer_format(served, blobs, request_kind, accept):
    handle, model = served
    rows = blobs[0][:7]
    body, content_type = _requests(rows)[request_kind]
    answer = handle(body, content_type, accept)
    kind = "application/json" if accept == "*/*" else accept
    assert answer.content_type == kind
    dense = np.where(np.abs(rows) < 0.5, 0.0, rows) if "sparse" in request_kind else rows
    expected = model.score(dense)
    np.testing.assert_allclose(_scores(answer.body, kind), expected, rtol=1e-6)


def test_the_answers_are_the_documented_shapes(served, blobs):
    handle, _ = served
    body, content_type = _requests(blobs[0][:2])["csv"]
    document = json.loads(handle(body, content_type, "application/json").body)
    assert list(document) == ["scores"] and list(document["scores"][0]) == ["score"]
    lines = handle(body, content_type, "application/jsonlines").body.decode().splitlines()
    assert [list(json.loads(line)) for line in lines] == [["score"], ["score"]]
    records = amazon_record.decode_records(handle(body, content_type, PROTOBUF).body)
    assert [list(r.label) for r in records] == [["score"], ["score"]]
    assert not list(records[0].features)


@pytest.mark.parametrize(
    "body, content_type, accept, status, message",
    [
        (b"1,2,3\n", "text/csv", "application/json", 400,
         "row 0 has 3 features, the model expects 6"),
        (b"1,2,3,4,5,x\n", "text/csv", "application/json", 400, "not numeric"),
        (b'{"instances": [{"features": [1, 2]}]}', "application/json", "application/json", 400,
         "row 0 has 2 features, the model expects 6"),
        (b'{"instances": [{"features": ["a", 1, 1, 1, 1, 1]}]}', "application/json",
         "application/json", 400, "not a list of numbers"),
        (b"1,2,3,4,5,nan\n", "text/csv", "application/json", 400, "NaN or infinite"),
        (b"not recordio", PROTOBUF, "application/json", 400, "malformed RecordIO-protobuf"),
        (b"1,2,3,4,5,6\n", "text/plain", "application/json", 415, "not supported"),
        (b"1,2,3,4,5,6\n", "text/csv", "text/csv", 406, "answers application/x-recordio-protobuf"),
    ],
)  # fmt: skip
def test_bad_requests_are_4xx_naming_the_problem(
    served, body, content_type, accept, status, message
):
    handle, _ = served
    with pytest.raises(InvocationError, match=message) as raised:
        handle(body, content_type, accept)
    assert raised.value.status == status


def test_a_wrong_width_protobuf_request_is_a_400(served):
    handle, _ = served
    with pytest.raises(InvocationError, match="row 1 has 5 features") as raised:
        handle(
            dense_recordio(np.ones((1, 6))) + dense_recordio(np.ones((1, 5))), PROTOBUF, PROTOBUF
        )
    assert raised.value.status == 400


# ----------------------------------------------------------------------------- artifact


def test_the_artifact_round_trips_and_says_what_it_is(tmp_path, blobs):
    x, _ = blobs
    model, _ = trained(tmp_path, hp(6), dense_recordio(x))
    metadata = json.loads((tmp_path / "model" / artifact.METADATA_FILE).read_text())
    assert metadata == {
        "format": "smspark-randomcutforest/1", "feature_dim": 6, "num_trees": 50,
        "num_samples_per_tree": 64, "samples_per_tree": 64, "rows_seen": 3000, "seed": 0,
        "score": artifact.SCORE,
    }  # fmt: skip
    small, _ = trained(tmp_path / "small", hp(6), dense_recordio(x[:40]))
    assert small.forest.size[small.forest.roots].tolist() == [40] * 50  # fewer rows than asked


@pytest.mark.parametrize("damage", ["not npz", "wrong format", "cycle", "missing"])
def test_a_foreign_or_damaged_artifact_is_refused_naming_the_file(tmp_path, blobs, damage):
    x, _ = blobs
    trained(tmp_path, hp(6), dense_recordio(x))
    directory = tmp_path / "model"
    if damage == "not npz":
        (directory / artifact.FOREST_FILE).write_bytes(b"MXNet model bytes")
    elif damage == "wrong format":
        metadata = json.loads((directory / artifact.METADATA_FILE).read_text())
        (directory / artifact.METADATA_FILE).write_text(json.dumps({**metadata, "format": "x"}))
    elif damage == "cycle":
        loaded = artifact.load(directory)
        left = loaded.forest.left.copy()
        left[loaded.forest.cut_dim >= 0] = 0  # every child points back at the first root
        arrays = {name: getattr(loaded.forest, name) for name in artifact.ARRAYS}
        buffer = io.BytesIO()
        np.savez(buffer, **{**arrays, "left": left})
        (directory / artifact.FOREST_FILE).write_bytes(buffer.getvalue())
    else:
        (directory / artifact.METADATA_FILE).unlink()
    with pytest.raises(ValueError, match="model_algo-1"):
        artifact.load(directory)


def test_the_local_image_loads_no_pyspark_or_boto3():
    assert modules_loaded_by("import smspark_randomcutforest.container") == set()


# ------------------------------------------------------------------------------ quality


@pytest.mark.parametrize("planted", ["box", "spread"])
def test_quality_on_a_gaussian_mixture_with_planted_outliers_beside_isolation_forest(
    tmp_path, planted
):
    """50,000 points of five Gaussians in 10 dimensions, 0.5% planted outliers. The image
    trains as the backend runs it (its ``train`` on a RecordIO-protobuf channel file, the
    service's defaults: 100 trees of 256) and scores every row through its serve handler
    in requests of 5,000 rows (RecordIO-protobuf in and out); IsolationForest gets as many
    trees and samples. Times are printed, not asserted."""
    from sklearn.ensemble import IsolationForest
    from sklearn.metrics import roc_auc_score

    x, y = mixture(50_000, 10, 0.005, seed=0, planted=planted)
    env = environment(tmp_path, {"feature_dim": 10}, {"train": (PROTOBUF, dense_recordio(x))})
    started = time.perf_counter()
    container.train(env)
    trained_in = time.perf_counter() - started
    handle = container.serve(env.model_dir)
    started = time.perf_counter()
    answers = [
        handle(dense_recordio(x[i : i + 5000]), PROTOBUF, PROTOBUF).body
        for i in range(0, len(x), 5000)
    ]
    scored_in = time.perf_counter() - started
    scores = np.concatenate([_scores(answer, PROTOBUF) for answer in answers])
    assert len(scores) == len(x)  # every row scored once, in order
    rcf_auc = roc_auc_score(y, scores)

    started = time.perf_counter()
    isolation = IsolationForest(n_estimators=100, max_samples=256, random_state=0).fit(x)
    iso_trained_in = time.perf_counter() - started
    started = time.perf_counter()
    iso_scores = -isolation.score_samples(x)
    iso_scored_in = time.perf_counter() - started
    iso_auc = roc_auc_score(y, iso_scores)
    print(
        f"\n50,000 rows x 10, 250 outliers planted ({planted}), 100 trees x 256 samples:"
        f"\n  Random Cut Forest (local image): AUC {rcf_auc:.5f}, training {trained_in:.2f} s "
        f"({len(x) / trained_in:,.0f} rows/s), scoring {scored_in:.2f} s "
        f"({len(x) / scored_in:,.0f} rows/s)"
        f"\n  scikit-learn IsolationForest:    AUC {iso_auc:.5f}, training {iso_trained_in:.2f} s, "
        f"scoring {iso_scored_in:.2f} s ({len(x) / iso_scored_in:,.0f} rows/s)"
    )
    assert rcf_auc >= 0.95


def test_scoring_throughput_through_the_model_server_handler(served, blobs):
    """Rows per second of one RecordIO-protobuf request of 5,000 rows through the serve
    handler (parsing, scoring, encoding), printed; nothing asserted about time."""
    handle, model = served
    rows = np.resize(blobs[0], (5000, 6))
    body = dense_recordio(rows)
    started = time.perf_counter()
    answer = handle(body, PROTOBUF, PROTOBUF)
    elapsed = time.perf_counter() - started
    print(
        f"\nserve handler: 5,000 rows in one request, 50 trees x 64: {5000 / elapsed:,.0f} rows/s"
    )
    assert len(amazon_record.decode_records(answer.body)) == 5000
