"""The original Python package's keywords, positional order and client factories, so that a
ported program needs no edit beyond its imports."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber
from smspark_kmeans import KMeansProtobufResponseRowDeserializer, KMeansSageMakerEstimator
from smspark_linearlearner import (
    LinearLearnerBinaryClassifierProtobufResponseRowDeserializer,
    LinearLearnerMultiClassClassifierProtobufResponseRowDeserializer,
    LinearLearnerRegressorProtobufResponseRowDeserializer,
)
from smspark_pca import PCAProtobufResponseRowDeserializer
from smspark_xgboost import XGBoostProbabilitiesRowDeserializer

from smspark_core import IAMRole, S3AutoCreatePath, SageMakerClients
from smspark_core.executor.staging import resolve_s3_path
from smspark_core.transformation.deserializers import XGBoostCSVRowDeserializer

# class, the original's keywords in its positional order, the column names they set
DESERIALIZERS = [
    (
        KMeansProtobufResponseRowDeserializer,
        ["distance_to_cluster_column_name", "closest_cluster_column_name"],
    ),
    (PCAProtobufResponseRowDeserializer, ["projection_column_name"]),
    (
        LinearLearnerBinaryClassifierProtobufResponseRowDeserializer,
        ["score_column_name", "predicted_label_column_name"],
    ),
    (
        LinearLearnerMultiClassClassifierProtobufResponseRowDeserializer,
        ["score_column_name", "predicted_label_column_name"],
    ),
    (LinearLearnerRegressorProtobufResponseRowDeserializer, ["score_column_name"]),
    (XGBoostCSVRowDeserializer, ["prediction_column_name"]),
    (XGBoostProbabilitiesRowDeserializer, ["probabilities_column_name"]),
]


@pytest.mark.parametrize(
    ("cls", "keywords"), DESERIALIZERS, ids=lambda c: getattr(c, "__name__", "")
)
def test_deserializers_take_the_original_keywords_and_order(cls, keywords):
    names = [f"my_{i}" for i in range(len(keywords))]
    by_keyword = cls(**dict(zip(keywords, names)))
    by_position = cls(*names)
    assert by_keyword.schema.names == by_position.schema.names == names


@pytest.mark.parametrize(
    ("cls", "keywords"), DESERIALIZERS, ids=lambda c: getattr(c, "__name__", "")
)
def test_camel_case_keywords_stay_aliases_and_saved_configs_load(cls, keywords):
    """smspark's first spelling is what saved pipelines hold in their codec config."""
    original = cls(*[f"c{i}" for i in range(len(keywords))])
    reloaded = cls(**original.config())
    assert reloaded.schema == original.schema
    camel = next(k for k in original.config() if k.endswith("ColumnName"))
    snake = next(k for k in keywords if k.replace("_", "").lower() == camel.lower())
    with pytest.raises(TypeError, match=f"both '{snake}' and its alias '{camel}'"):
        cls(**{snake: "a", camel: "b"})


def test_sagemaker_clients_are_boto3_clients_of_the_default_chain():
    assert SageMakerClients.create_sagemaker_client().meta.service_model.service_name == (
        "sagemaker"
    )
    assert SageMakerClients.create_s3_default_client().meta.service_model.service_name == "s3"
    assert SageMakerClients.create_sts_default_client().meta.service_model.service_name == "sts"


def test_s3_and_sts_clients_given_to_the_estimator_serve_the_driver_calls():
    """As in the original: the account lookup and the staging bucket go through them."""
    sts = boto3.client("sts", region_name="eu-west-1")
    s3 = boto3.client("s3", region_name="eu-west-1")
    estimator = KMeansSageMakerEstimator(
        sagemakerRole=IAMRole("arn:aws:iam::111122223333:role/r"),
        trainingInstanceType="ml.m5.large",
        trainingInstanceCount=1,
        endpointInstanceType="ml.m5.large",
        endpointInitialInstanceCount=1,
        s3Client=s3,
        stsClient=sts,
    )
    bucket = "111122223333-sagemaker-eu-west-1"
    with Stubber(sts) as sts_stub, Stubber(s3) as s3_stub:
        sts_stub.add_response(
            "get_caller_identity",
            {"Account": "111122223333", "Arn": "arn:aws:iam::111122223333:user/u", "UserId": "U"},
        )
        s3_stub.add_client_error("create_bucket", "BucketAlreadyOwnedByYou", expected_params=None)
        path = resolve_s3_path(S3AutoCreatePath(), "job", {}, estimator.clientSpec)
        sts_stub.assert_no_pending_responses()
        s3_stub.assert_no_pending_responses()
    assert path.bucket == bucket


def _attribute_cases():
    from smspark_factorizationmachines import (
        FactorizationMachinesBinaryClassifierDeserializer,
        FactorizationMachinesRegressorDeserializer,
    )
    from smspark_lda import LDAProtobufResponseRowDeserializer

    return [
        *DESERIALIZERS,
        (
            FactorizationMachinesBinaryClassifierDeserializer,
            ["score_column_name", "predicted_label_column_name"],
        ),
        (FactorizationMachinesRegressorDeserializer, ["score_column_name"]),
        (LDAProtobufResponseRowDeserializer, ["projection_column_name"]),
    ]


@pytest.mark.parametrize(
    ("cls", "keywords"), _attribute_cases(), ids=lambda c: getattr(c, "__name__", "")
)
def test_deserializers_keep_each_keyword_as_a_public_attribute(cls, keywords):
    """The original's codecs stored each keyword under its own name (``d.score_column_name``)."""
    names = [f"my_{i}" for i in range(len(keywords))]
    deserializer = cls(*names)
    assert [getattr(deserializer, keyword) for keyword in keywords] == names
    setattr(deserializer, keywords[0], "renamed")
    assert getattr(deserializer, keywords[0]) == "renamed"


def test_serializers_keep_their_schema_as_a_public_attribute():
    from pyspark.ml.linalg import VectorUDT
    from pyspark.sql.types import DoubleType, StructField, StructType

    from smspark_core.transformation.serializers import (
        LibSVMRequestRowSerializer,
        ProtobufRequestRowSerializer,
        UnlabeledCSVRequestRowSerializer,
    )

    schema = StructType([StructField("label", DoubleType()), StructField("features", VectorUDT())])
    for cls in (
        ProtobufRequestRowSerializer,
        LibSVMRequestRowSerializer,
        UnlabeledCSVRequestRowSerializer,
    ):
        assert cls().schema is None
        serializer = cls(schema=schema)
        assert serializer.schema == schema
        with pytest.raises(ValueError, match="features"):
            serializer.schema = StructType([StructField("label", DoubleType())])
