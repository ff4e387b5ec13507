"""KNNSageMakerEstimator: every Param valid and invalid, the rules between them, no
client defaults, the hyperparameter map, required checks, the image in every region of
the SDK's knn.json and ca-west-1 (and in no other region), persistence of the unfitted
estimator, and both deserializers on RecordIO-protobuf, JSON and JSON Lines."""

from __future__ import annotations

import json

import numpy as np
import pytest
from algorithm_helpers import check_setters, make_estimator
from pyspark.ml import Pipeline
from pyspark.ml.linalg import DenseVector
from pyspark.sql.types import StructType
from reference_tables import SDK_ACCOUNTS_35, ecr_domain
from smspark_knn import (
    KNNProtobufResponseRowDeserializer,
    KNNSageMakerEstimator,
    KNNVerboseResponseRowDeserializer,
)

from smspark_core.algorithms.estimator import MissingHyperParameterError
from smspark_core.algorithms.images import FIRST_PARTY_ACCOUNTS, UnsupportedRegionError
from smspark_core.codecs import amazon_record, recordio
from smspark_core.transformation.serializers import ProtobufRequestRowSerializer


def estimator(**kwargs) -> KNNSageMakerEstimator:
    return make_estimator(KNNSageMakerEstimator, **kwargs)


CASES = [
    ("K", [(1, 1), (100, 100), (3.0, 3)], [0, -1, ("5", TypeError), (2.5, TypeError)]),
    ("SampleSize", [(1, 1), (200000, 200000)], [0, -3, ("100", TypeError)]),
    ("PredictorType", ["classifier", "regressor"], ["classification", "", 1, (None, ValueError)]),
    ("DimensionReductionType", ["sign", "fjlt"], ["pca", "SIGN", 0]),
    ("DimensionReductionTarget", [(1, 1), (32, 32)], [0, -2, ("8", TypeError)]),
    ("IndexType", ["faiss.Flat", "faiss.IVFFlat", "faiss.IVFPQ"], ["Flat", "faiss.flat", 3]),
    ("IndexMetric", ["L2", "INNER_PRODUCT", "COSINE"], ["l2", "cosine", "EUCLIDEAN", 2]),
    ("FaissIndexIvfNlists", ["auto", (16, "16"), ("7", "7")], ["0", -1, "many", 2.5, True]),
    ("FaissIndexPqM", [(1, 1), (8, 8), (96, 96), (16.0, 16)], [5, 0, 128, ("8", TypeError)]),
    ("FeatureDim", [(1, 1), (784, 784)], [0, -1]),
    ("MiniBatchSize", [(1, 1), (5000, 5000)], [0, -1]),
]


@pytest.mark.parametrize("suffix, valid, invalid", CASES, ids=[c[0] for c in CASES])
def test_every_param_valid_and_invalid(suffix, valid, invalid):
    check_setters(estimator(), suffix, valid, invalid)


def test_no_client_defaults_and_the_full_hyperparameter_map():
    knn = estimator()
    assert knn.make_hyperparameters() == {}
    assert isinstance(knn.getRequestRowSerializer(), ProtobufRequestRowSerializer)
    assert type(knn.getResponseRowDeserializer()) is KNNProtobufResponseRowDeserializer
    assert knn.getTrainingSparkDataFormat() == "sagemaker"
    knn.setK(5).setSampleSize(1000).setPredictorType("classifier")
    knn.setDimensionReductionType("fjlt").setDimensionReductionTarget(16)
    knn.setIndexType("faiss.IVFPQ").setIndexMetric("L2").setFaissIndexIvfNlists("auto")
    knn.setFaissIndexPqM(8).setFeatureDim(64).setMiniBatchSize(500)
    assert type(knn.getK()) is int and knn.getIndexType() == "faiss.IVFPQ"
    assert knn.make_hyperparameters() == {
        "k": "5",
        "sample_size": "1000",
        "predictor_type": "classifier",
        "dimension_reduction_type": "fjlt",
        "dimension_reduction_target": "16",
        "index_type": "faiss.IVFPQ",
        "index_metric": "L2",
        "faiss_index_ivf_nlists": "auto",
        "faiss_index_pq_m": "8",
        "feature_dim": "64",
        "mini_batch_size": "500",
    }
    knn.transformSchema(StructType([]))  # every rule holds


@pytest.mark.parametrize(
    "setters, missing",
    [
        ({}, "k, sample_size, predictor_type"),
        ({"setK": 3, "setSampleSize": 10}, "predictor_type"),
        ({"setPredictorType": "regressor", "setK": 1}, "sample_size"),
    ],
)
def test_required_params_fail_before_any_aws_call(setters, missing):
    knn = estimator()
    for setter, value in setters.items():
        getattr(knn, setter)(value)
    with pytest.raises(MissingHyperParameterError, match=missing):
        knn.transformSchema(StructType([]))


@pytest.mark.parametrize(
    "setters, message",
    [
        ({"setDimensionReductionType": "sign"}, "dimension_reduction_target is required"),
        ({"setDimensionReductionTarget": 4}, "needs a dimension_reduction_type"),
        (
            {"setDimensionReductionType": "sign", "setDimensionReductionTarget": 10},
            r"less than feature_dim \(10\)",
        ),
        ({"setIndexType": "faiss.IVFPQ", "setIndexMetric": "COSINE"}, "not supported"),
        ({"setIndexType": "faiss.IVFPQ", "setIndexMetric": "INNER_PRODUCT"}, "not supported"),
        ({"setFaissIndexPqM": 4}, "only to index_type faiss.IVFPQ"),
    ],
)
def test_rules_between_params_fail_at_fit(setters, message):
    knn = estimator().setK(3).setSampleSize(10).setPredictorType("classifier").setFeatureDim(10)
    for setter, value in setters.items():
        getattr(knn, setter)(value)
    with pytest.raises(ValueError, match=message):
        knn.transformSchema(StructType([]))


@pytest.mark.parametrize("region", sorted(SDK_ACCOUNTS_35))
def test_image_uri_in_every_region_of_the_service(region):
    expected = f"{SDK_ACCOUNTS_35[region]}.dkr.ecr.{region}.{ecr_domain(region)}/knn:1"
    knn = estimator(region=region)
    assert knn.getTrainingImage() == expected and knn.getModelImage() == expected


@pytest.mark.parametrize(
    "region", ["xx-nowhere-1", *sorted(set(FIRST_PARTY_ACCOUNTS) - set(SDK_ACCOUNTS_35))]
)
def test_a_region_without_the_image_fails_at_construction(region):
    """Also us-isof-east-1 and us-isof-south-1: the other first-party algorithms are there,
    but neither the SDK nor AWS's pages list knn there."""
    with pytest.raises(UnsupportedRegionError, match="knn:1"):
        estimator(region=region)


@pytest.mark.spark
def test_uid_and_every_param_survive_save_and_load(spark, tmp_path):
    knn = estimator(uid="KNNSageMakerEstimator_fixed")
    knn.setK(7).setSampleSize(300).setPredictorType("regressor").setIndexType("faiss.IVFFlat")
    knn.setIndexMetric("COSINE").setFaissIndexIvfNlists(4).setMiniBatchSize(100)
    knn.save(str(tmp_path / "estimator"))
    loaded = KNNSageMakerEstimator.load(str(tmp_path / "estimator"))
    assert loaded.uid == knn.uid
    assert loaded.make_hyperparameters() == knn.make_hyperparameters()
    assert (
        loaded.getIndexMetric() == "COSINE" and loaded.getTrainingImage() == knn.getTrainingImage()
    )
    Pipeline(stages=[knn]).save(str(tmp_path / "pipeline"))
    stage = Pipeline.load(str(tmp_path / "pipeline")).getStages()[0]
    assert stage.uid == knn.uid and stage.make_hyperparameters() == knn.make_hyperparameters()


def _protobuf(rows: list[dict[str, list[float]]]) -> bytes:
    return b"".join(recordio.frame(amazon_record.response_record(r)) for r in rows)


VERBOSE_ROWS = [
    {"predicted_label": [0.0], "distances": [3.1, 3.8, 6.3], "labels": [0.0, 1.0, 0.0]},
    {"predicted_label": [2.0], "distances": [1.0, 3.0, 5.2], "labels": [2.0, 2.0, 0.0]},
]


def _bodies(rows: list[dict[str, list[float]]]) -> dict[str, bytes]:
    def plain(r):
        return {k: v[0] if k == "predicted_label" else v for k, v in r.items()}

    return {
        "protobuf": _protobuf(rows),
        "json": json.dumps({"predictions": [plain(r) for r in rows]}).encode(),
        "jsonlines": "".join(json.dumps(plain(r)) + "\n" for r in rows).encode(),
    }


@pytest.mark.parametrize("kind", ["protobuf", "json", "jsonlines"])
def test_predicted_label_deserializer_reads_every_answer_format(kind):
    deserializer = KNNProtobufResponseRowDeserializer(predicted_label_column_name="digit")
    body = _bodies([{"predicted_label": [0.0]}, {"predicted_label": [2.0]}])[kind]
    assert [r.digit for r in deserializer.deserialize_response(body)] == [0.0, 2.0]
    assert deserializer.deserialize_batch(body).column(0).to_pylist() == [0.0, 2.0]
    again = KNNProtobufResponseRowDeserializer.from_config(deserializer.config())
    assert again.schema == deserializer.schema and again.accepts == deserializer.accepts


@pytest.mark.parametrize("kind", ["protobuf", "json", "jsonlines"])
def test_verbose_deserializer_reads_distances_and_labels(kind):
    deserializer = KNNVerboseResponseRowDeserializer()
    rows = deserializer.deserialize_response(_bodies(VERBOSE_ROWS)[kind])
    assert [r.predicted_label for r in rows] == [0.0, 2.0]
    assert isinstance(rows[0].distances, DenseVector)
    np.testing.assert_allclose(rows[1].distances.toArray(), [1.0, 3.0, 5.2], rtol=1e-6)
    assert rows[0].labels.toArray().tolist() == [0.0, 1.0, 0.0]
    assert deserializer.deserialize_batch(_bodies(VERBOSE_ROWS)[kind]).num_rows == 2


@pytest.mark.parametrize(
    "accept, header",
    [
        ("application/json", "application/json; verbose=true"),
        ("application/jsonlines", "application/jsonlines; verbose=true"),
        ("application/x-recordio-protobuf", "application/x-recordio-protobuf; verbose=true"),
        ("application/json; verbose=true", "application/json; verbose=true"),
    ],
)
def test_verbose_deserializer_asks_for_the_neighbours(accept, header):
    deserializer = KNNVerboseResponseRowDeserializer("label", "d", "l", accept=accept)
    assert deserializer.accepts == header
    assert deserializer.schema.names == ["label", "d", "l"]
    again = KNNVerboseResponseRowDeserializer.from_config(deserializer.config())
    assert again.accepts == header and again.schema == deserializer.schema


def test_verbose_deserializer_refuses_other_answer_types():
    with pytest.raises(ValueError, match="accept must be one of"):
        KNNVerboseResponseRowDeserializer(accept="text/csv")


def test_a_verbose_answer_without_distances_is_an_error_naming_the_key():
    with pytest.raises(Exception, match="distances"):
        KNNVerboseResponseRowDeserializer().deserialize_response(
            b'{"predictions": [{"predicted_label": 1}]}'
        )


def test_found_by_the_algorithms_namespace():
    from smspark_core.algorithms import KNNSageMakerEstimator as found

    assert found is KNNSageMakerEstimator


def test_the_plugin_registers_the_algorithm_both_deserializers_and_the_local_image(plugin_host):
    spec = plugin_host.algorithms.get("knn")
    assert spec.estimators == (KNNSageMakerEstimator,)
    assert KNNSageMakerEstimator.image_repository == "knn"
    assert plugin_host.algorithms.owner("knn") == "knn"
    assert plugin_host.deserializer("knn").schema.names == ["predicted_label"]
    verbose = plugin_host.deserializer("knn-verbose", {"accept": "application/jsonlines"})
    assert verbose.accepts == "application/jsonlines; verbose=true"
    assert plugin_host.name_of(verbose) == "knn-verbose"
    image = plugin_host.local_images.get("knn")
    assert image.train == "smspark_knn.container:train"
    assert image.serve == "smspark_knn.container:serve"


@pytest.mark.spark
def test_a_model_with_the_verbose_deserializer_saves_and_loads(spark, tmp_path):
    from smspark_core import EndpointCreationPolicy, SageMakerModel

    model = SageMakerModel.from_model_s3_path(
        "s3://bucket/knn/model.tar.gz",
        estimator().getModelImage(),
        "arn:aws:iam::123456789012:role/r",
        "ml.m5.large",
        1,
        ProtobufRequestRowSerializer(),
        KNNVerboseResponseRowDeserializer("label", accept="application/x-recordio-protobuf"),
        endpointCreationPolicy=EndpointCreationPolicy.CREATE_ON_TRANSFORM,  # no AWS call here
    )
    model.save(str(tmp_path / "model"))
    loaded = SageMakerModel.load(str(tmp_path / "model"))
    assert type(loaded.getResponseRowDeserializer()) is KNNVerboseResponseRowDeserializer
    assert (
        loaded.getResponseRowDeserializer().accepts
        == "application/x-recordio-protobuf; verbose=true"
    )
    assert loaded.getResponseRowDeserializer().schema.names == ["label", "distances", "labels"]
