"""The local lda image's train and serve targets, called as the backend calls them: dense,
sparse and CSV training, streaming, the MXNet artifact, metrics, bad input, every request
and response format, and the quality: topic recovery on a corpus drawn from a known LDA
model, and held-out perplexity on the digits against scikit-learn (figures printed; run
with -s to see them)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse as sp
from algorithm_helpers import modules_loaded_by
from algorithm_helpers import training_environment as environment
from scipy.optimize import linear_sum_assignment
from sklearn.datasets import load_digits
from sklearn.decomposition import LatentDirichletAllocation
from smspark_lda import container
from smspark_lda.algorithm import log_likelihood
from smspark_local.toolkit.container import InvocationError

from smspark_core.codecs import amazon_record, mxnet_ndarray, recordio
from smspark_core.codecs.hyperparameter_table import HyperparameterError

PROTOBUF = "application/x-recordio-protobuf"


def synthetic_corpus(topics=10, vocabulary=500, documents=2000, words=100, seed=0):
    """Documents drawn from a known LDA model: topic-word distributions Dirichlet(0.05),
    topic mixtures Dirichlet(0.1), ``words`` words each."""
    rng = np.random.default_rng(seed)
    beta = rng.dirichlet(np.full(vocabulary, 0.05), size=topics)
    theta = rng.dirichlet(np.full(topics, 0.1), size=documents)
    counts = np.vstack([rng.multinomial(words, t @ beta) for t in theta]).astype(np.float64)
    return counts, beta


def sparse_recordio(counts) -> bytes:
    x = sp.csr_matrix(counts)
    stream, _ = amazon_record.sparse_records(
        x.indptr, x.indices, x.data, np.full(x.shape[0], x.shape[1])
    )
    return bytes(stream)


def dense_recordio(counts) -> bytes:
    return amazon_record.dense_records(np.asarray(counts, np.float64)).tobytes()


def csv_text(counts) -> bytes:
    return "".join(",".join(f"{v:g}" for v in row) + "\n" for row in counts).encode()


def trained(tmp_path, hyperparameters, train, test=None, content_type=None):
    channels = {"train": (content_type, train)}
    if test is not None:
        channels["test"] = (content_type, test)
    env = environment(tmp_path, hyperparameters, channels)
    container.train(env)
    return env, json.loads((env.output_dir / "metrics.json").read_text())


def matched_cosine(learned: np.ndarray, truth: np.ndarray) -> float:
    """Mean cosine similarity of each true topic to its learned one, topics matched by the
    Hungarian method."""
    a = learned / np.linalg.norm(learned, axis=1, keepdims=True)
    b = truth / np.linalg.norm(truth, axis=1, keepdims=True)
    similarity = b @ a.T
    rows, columns = linear_sum_assignment(-similarity)
    return float(similarity[rows, columns].mean())


def hp(topics, vocabulary, batch, **extra):
    return {"num_topics": topics, "feature_dim": vocabulary, "mini_batch_size": batch, **extra}


@pytest.mark.parametrize(
    "content_type, encode",
    [
        (None, sparse_recordio),
        (PROTOBUF, dense_recordio),
        ("text/csv;label_size=0", csv_text),
        ("text/csv", csv_text),
    ],
    ids=["sparse recordio", "dense recordio", "csv label_size=0", "csv"],
)
def test_trains_on_every_input_format_and_writes_alpha_and_beta(tmp_path, content_type, encode):
    counts, truth = synthetic_corpus(topics=3, vocabulary=30, documents=300, words=50)
    env, metrics = trained(
        tmp_path,
        hp(3, 30, 300, alpha0=0.3, max_restarts=2, max_iterations=20),
        encode(counts),
        encode(counts[:50]),
        content_type,
    )
    alpha, beta = mxnet_ndarray.loads((env.model_dir / "model_algo-1").read_bytes())
    assert alpha.dtype == np.float32 and alpha.shape == (3,)
    np.testing.assert_allclose(alpha, 0.1, rtol=1e-6)  # alpha0 / num_topics
    assert beta.shape == (3, 30)
    np.testing.assert_allclose(beta.sum(axis=1), 1.0, rtol=1e-5)
    assert matched_cosine(beta.astype(np.float64), truth) > 0.9
    assert set(metrics) == {"train:pwll", "test:pwll"} and metrics["test:pwll"] < 0


def test_streaming_batches_and_one_batch_give_similar_topics(tmp_path):
    counts, truth = synthetic_corpus(topics=4, vocabulary=40, documents=800, words=80, seed=3)
    whole, _ = trained(tmp_path / "a", hp(4, 40, 800, max_iterations=20), sparse_recordio(counts))
    streamed, _ = trained(
        tmp_path / "b", hp(4, 40, 100, max_iterations=20), sparse_recordio(counts)
    )
    for env in (whole, streamed):
        _, beta = mxnet_ndarray.loads((env.model_dir / "model_algo-1").read_bytes())
        assert matched_cosine(beta.astype(np.float64), truth) > 0.9


def test_training_memory_follows_the_batch_not_the_corpus(tmp_path):
    """Peak traced memory while training on a corpus four times larger (same vocabulary,
    topics and mini-batch) stays about the same: only K x V and one batch are held."""
    import tracemalloc

    peaks = []
    for documents in (1000, 4000):
        counts, _ = synthetic_corpus(topics=5, vocabulary=300, documents=documents, words=60)
        body = sparse_recordio(counts)
        del counts
        tracemalloc.start()
        trained(
            tmp_path / str(documents),
            hp(5, 300, 250, max_restarts=1, max_iterations=2, tol=1e-9),
            body,
        )
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    print(f"\nLDA training peak traced memory: {peaks[0] / 1e6:.1f} MB for 1,000 documents, "
          f"{peaks[1] / 1e6:.1f} MB for 4,000")  # fmt: skip
    assert peaks[1] < 1.5 * peaks[0]


@pytest.mark.parametrize(
    "hyperparameters, body, message",
    [
        ({}, "negative", "record 2 holds a negative"),
        ({"feature_dim": 4}, "ok", "feature_dim \\(the vocabulary size\\) is 4"),
        ({"num_topics": 0}, "ok", "num_topics"),
        ({"alpha0": 0}, "ok", "alpha0"),
        ({"tol": -1}, "ok", "tol"),
        ({"max_restarts": 0}, "ok", "max_restarts"),
        ({"mini_batch_size": None}, "ok", "mini_batch_size is required"),
    ],
)
def test_bad_training_input_fails_naming_the_problem(tmp_path, hyperparameters, body, message):
    counts = np.ones((4, 5))
    negative = counts.copy()
    negative[2, 1] = -1
    bodies = {"ok": dense_recordio(counts), "negative": dense_recordio(negative)}
    values = {k: v for k, v in {**hp(2, 5, 10), **hyperparameters}.items() if v is not None}
    with pytest.raises((HyperparameterError, ValueError), match=message):
        trained(tmp_path, values, bodies[body])


def test_the_settings_take_the_services_defaults_but_variational_bayes_own_iterations():
    """alpha0 and max_restarts default to the service's values; max_iterations and tol to
    this image's (the service's, for its spectral method, would run for hours), unless the
    job sends them."""
    values = {name: str(value) for name, value in hp(3, 20, 10).items()}
    settings = container.parse_settings(values)
    assert (settings.alpha0, settings.max_restarts) == (1.0, 10)
    assert (settings.max_iterations, settings.tol) == (50, 1e-4)
    sent = container.parse_settings({**values, "max_iterations": "1000", "tol": "1e-8"})
    assert (sent.max_iterations, sent.tol) == (1000, 1e-8)


@pytest.fixture(scope="module")
def handler(tmp_path_factory):
    directory = tmp_path_factory.mktemp("lda-model")
    beta = np.array([[0.5, 0.5, 0, 0], [0, 0, 0.5, 0.5]], dtype=np.float32)
    alpha = np.array([0.5, 0.5], dtype=np.float32)
    (directory / "model_algo-1").write_bytes(mxnet_ndarray.dumps([alpha, beta]))
    return container.serve(directory)


ROWS = np.array([[3.0, 5, 0, 0], [0, 0, 2, 2], [1, 1, 1, 1], [0, 0, 0, 0]])


def _requests():
    csr = sp.csr_matrix(ROWS)
    sparse_json = [
        {"data": {"features": {"keys": r.indices.tolist(), "values": r.data.tolist(),
                               "shape": [4]}}}
        for r in csr
    ]  # fmt: skip
    return {
        "dense recordio": (dense_recordio(ROWS), PROTOBUF),
        "sparse recordio": (sparse_recordio(ROWS), PROTOBUF),
        "json": (json.dumps({"instances": [{"features": r} for r in ROWS.tolist()]}),
                 "application/json"),
        "sparse json": (json.dumps({"instances": sparse_json}), "application/json"),
        "jsonlines": ("".join(json.dumps({"features": r}) + "\n" for r in ROWS.tolist()),
                      "application/jsonlines"),
        "csv": (csv_text(ROWS), "text/csv"),
    }  # fmt: skip


@pytest.mark.parametrize("request_kind", list(_requests()))
@pytest.mark.parametrize("accept", [PROTOBUF, "application/json", "application/jsonlines"])
def test_every_request_and_response_format(handler, request_kind, accept):
    body, content_type = _requests()[request_kind]
    response = handler(body if isinstance(body, bytes) else body.encode(), content_type, accept)
    assert response.content_type == accept
    if accept == PROTOBUF:
        records = amazon_record.decode_records(response.body)
        mixtures = [amazon_record.read_tensor(r.label["topic_mixture"]).values for r in records]
    elif accept == "application/json":
        mixtures = [p["topic_mixture"] for p in json.loads(response.body)["predictions"]]
    else:
        mixtures = [json.loads(line)["topic_mixture"] for line in response.body.splitlines()]
    mixtures = np.asarray(mixtures, dtype=np.float64)
    assert mixtures.shape == (4, 2)
    np.testing.assert_allclose(mixtures.sum(axis=1), 1.0, rtol=1e-6)
    assert mixtures[0, 0] > 0.85 and mixtures[1, 1] > 0.85  # words of one topic only
    np.testing.assert_allclose(mixtures[2:], 0.5, rtol=1e-5)  # balanced, and empty: the prior


@pytest.mark.parametrize(
    "body, content_type, accept, status, message",
    [
        (dense_recordio(-ROWS[:1]), PROTOBUF, PROTOBUF, 400, "row 0 holds a negative"),
        (dense_recordio(np.ones((1, 7))), PROTOBUF, PROTOBUF, 400, "expects 4"),
        (b"1,2\n", "text/csv", PROTOBUF, 400, "expects 4"),
        (b"junk", PROTOBUF, PROTOBUF, 400, "malformed"),
        (b"1,2,3,4\n", "image/png", PROTOBUF, 415, "not supported"),
        (b"1,2,3,4\n", "text/csv", "text/csv", 406, "not supported"),
    ],
)
def test_bad_requests_are_4xx_naming_the_problem(handler, body, content_type, accept, status,
                                                 message):  # fmt: skip
    with pytest.raises(InvocationError, match=message) as error:
        handler(body, content_type, accept)
    assert error.value.status == status


def test_an_artifact_that_is_not_alpha_and_beta_is_refused(tmp_path):
    (tmp_path / "model_algo-1").write_bytes(mxnet_ndarray.dumps([np.ones((2, 3), np.float32)]))
    with pytest.raises(ValueError, match="\\[alpha, beta\\]"):
        container.serve(tmp_path)


def test_the_record_frames_stay_valid_for_one_topic(tmp_path):
    beta = np.array([[0.25, 0.75]], dtype=np.float32)
    (tmp_path / "model_algo-1").write_bytes(mxnet_ndarray.dumps([np.ones(1, np.float32), beta]))
    body = container.serve(tmp_path)(dense_recordio(np.ones((2, 2))), PROTOBUF, PROTOBUF).body
    assert len(list(recordio.read_payloads(__import__("io").BytesIO(body)))) == 2


# ------------------------------------------------------------------------------ quality


def test_topic_recovery_on_a_corpus_from_a_known_model(tmp_path):
    """10 topics, vocabulary 500, 2,000 documents of 100 words, the corpus in one batch."""
    counts, truth = synthetic_corpus()
    env, _ = trained(
        tmp_path, hp(10, 500, 2000, max_restarts=3, max_iterations=15), sparse_recordio(counts)
    )
    _, beta = mxnet_ndarray.loads((env.model_dir / "model_algo-1").read_bytes())
    cosine = matched_cosine(beta.astype(np.float64), truth)
    print(f"\nLDA topic recovery: mean matched cosine similarity {cosine:.4f}")
    assert cosine >= 0.9


def test_digits_held_out_perplexity_against_scikit_learn(tmp_path):
    """scikit-learn's digits as 64-word count documents, 1,437 for training and 360 held
    out; both models' perplexity computed the same way (each model infers the held-out
    documents' mixtures, then exp(-log-likelihood / words))."""
    x, _ = load_digits(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(x))
    train, held_out = x[order[:1437]], x[order[1437:]]
    env, _ = trained(
        tmp_path, hp(10, 64, 1437, max_restarts=2, max_iterations=20), sparse_recordio(train)
    )
    model = container.load_model(env.model_dir)
    counts = sp.csr_matrix(held_out)

    def perplexity(mixtures, beta):
        return float(np.exp(-log_likelihood(counts, mixtures, beta) / counts.data.sum()))

    ours = perplexity(model.topic_mixture(counts), model.beta)
    reference = LatentDirichletAllocation(n_components=10, random_state=0).fit(train)
    reference_beta = reference.components_ / reference.components_.sum(axis=1, keepdims=True)
    theirs = perplexity(reference.transform(held_out), reference_beta)
    print(f"\nLDA digits held-out perplexity: ours {ours:.3f}, scikit-learn {theirs:.3f} "
          f"(ratio {ours / theirs:.4f})")  # fmt: skip
    assert ours <= 1.1 * theirs


def test_the_local_image_loads_no_spark_and_no_aws_sdk():
    """Its training and model-server processes import only the container toolkit."""
    assert modules_loaded_by("import smspark_lda.container") == set()
