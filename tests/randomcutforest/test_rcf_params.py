"""RandomCutForestSageMakerEstimator: every Param valid and invalid (with the exception
types), no client defaults, the hyperparameter map, the checks at fit (format, content type,
distribution, the test channel's columns), the image in every region where the service
publishes it, persistence of the unfitted estimator, the generated accessors, and the
deserializer on RecordIO-protobuf, JSON and JSON Lines."""

from __future__ import annotations

import importlib
import inspect
import json
from pathlib import Path

import pytest
from algorithm_helpers import check_setters, make_estimator
from pyspark.ml import Pipeline
from pyspark.ml.linalg import VectorUDT
from pyspark.sql.types import (
    BooleanType,
    DoubleType,
    IntegerType,
    StringType,
    StructField,
    StructType,
)
from reference_tables import SDK_ACCOUNTS_35, ecr_domain
from smspark_randomcutforest import (
    RandomCutForestProtobufResponseRowDeserializer,
    RandomCutForestSageMakerEstimator,
)

from smspark_core import accessor_codegen
from smspark_core.algorithms.images import UnsupportedRegionError
from smspark_core.codecs import amazon_record, recordio
from smspark_core.transformation.serializers import ProtobufRequestRowSerializer


def estimator(**kwargs) -> RandomCutForestSageMakerEstimator:
    return make_estimator(RandomCutForestSageMakerEstimator, **kwargs)


BOTH = '["accuracy", "precision_recall_fscore"]'
PROTOBUF = "application/x-recordio-protobuf"
CASES = [
    ("FeatureDim", [(1, 1), (10_000, 10_000), (64.0, 64)],
     [0, -1, 10_001, ("64", TypeError), (1.5, TypeError), (True, TypeError)]),
    ("NumSamplesPerTree", [(1, 1), (256, 256), (2048, 2048)],
     [0, 2049, ("256", TypeError), (2.5, TypeError)]),
    ("NumTrees", [(50, 50), (100, 100), (1000, 1000)],
     [49, 1001, 0, ("100", TypeError), (100.5, TypeError)]),
    ("EvalMetrics", [
        ("accuracy", '["accuracy"]'),
        ("accuracy,precision_recall_fscore", BOTH),
        (["accuracy", "precision_recall_fscore"], BOTH),
        ('["precision_recall_fscore"]', '["precision_recall_fscore"]'),
        ("[accuracy]", '["accuracy"]'),
    ], ["f1", "", [], "accuracy,recall", (3, TypeError), ([1], TypeError), (None, TypeError)]),
    ("MiniBatchSize", [(1000, 1000), (1000.0, 1000)],
     [999, 1001, 5000, ("1000", TypeError), (True, TypeError)]),
]  # fmt: skip


@pytest.mark.parametrize("suffix, valid, invalid", CASES, ids=[c[0] for c in CASES])
def test_every_param_valid_and_invalid(suffix, valid, invalid):
    check_setters(estimator(), suffix, valid, invalid)


def test_no_client_defaults_and_the_full_hyperparameter_map():
    rcf = estimator()
    assert rcf.make_hyperparameters() == {}
    assert isinstance(rcf.getRequestRowSerializer(), ProtobufRequestRowSerializer)
    assert type(rcf.getResponseRowDeserializer()) is RandomCutForestProtobufResponseRowDeserializer
    assert rcf.getTrainingSparkDataFormat() == "sagemaker"
    assert rcf.getTrainingContentType() is None  # RecordIO-protobuf, the service's default
    assert rcf.getTestIndicatorColumnName() is None
    rcf.setFeatureDim(10).setNumSamplesPerTree(512).setNumTrees(200)
    rcf.setEvalMetrics(["accuracy", "precision_recall_fscore"]).setMiniBatchSize(1000)
    assert rcf.make_hyperparameters() == {
        "feature_dim": "10",
        "num_samples_per_tree": "512",
        "num_trees": "200",
        "eval_metrics": BOTH,  # a JSON list, as the SDK sends it
        "mini_batch_size": "1000",
    }
    assert json.loads(rcf.make_hyperparameters()["eval_metrics"]) == [
        "accuracy",
        "precision_recall_fscore",
    ]
    rcf.transformSchema(StructType([]))  # every check holds


def test_feature_dim_is_the_only_required_param_and_comes_from_the_data():
    """Unset, it is not an error before fit: fit takes it from the first row's vector."""
    assert [p.name for p in estimator()._missing()] == ["feature_dim"]
    schema = StructType([StructField("features", VectorUDT())])
    assert estimator().transformSchema(schema) == schema


FEATURES = StructField("features", VectorUDT())


@pytest.mark.parametrize(
    "settings, schema, message",
    [
        ({"trainingSparkDataFormat": "libsvm"}, [], "must be one of sagemaker, csv"),
        ({"trainingSparkDataFormat": "parquet"}, [], "the service reads RecordIO-protobuf and CSV"),
        ({"trainingContentType": "text/csv"}, [], "does not match trainingSparkDataFormat"),
        ({"trainingSparkDataFormat": "csv", "trainingContentType": PROTOBUF},
         [], "expected text/csv;label_size=1"),
        ({"trainingS3DataDistribution": "FullyReplicated"}, [], "must be ShardedByS3Key"),
        ({"testIndicatorColumnName": "is_test"}, [FEATURES], "'is_test' is not a column"),
        ({"testIndicatorColumnName": "is_test"},
         [FEATURES, StructField("is_test", IntegerType())], "must be a boolean column"),
        ({"testIndicatorColumnName": "is_test"},
         [FEATURES, StructField("is_test", BooleanType())],
         "numeric label column 'label'.*missing"),
        ({"testIndicatorColumnName": "is_test"},
         [FEATURES, StructField("is_test", BooleanType()), StructField("label", StringType())],
         "numeric label column 'label'.*string"),
        ({"testIndicatorColumnName": "t",
          "trainingSparkDataFormatOptions": {"labelColumnName": "y"}},
         [FEATURES, StructField("t", BooleanType()), StructField("label", DoubleType())],
         "numeric label column 'y'"),
    ],
)  # fmt: skip
def test_checks_at_fit_name_the_setting_and_what_it_must_be(settings, schema, message):
    rcf = estimator(**settings).setFeatureDim(4)
    with pytest.raises(ValueError, match=message):
        rcf.transformSchema(StructType(schema))


def test_csv_training_gets_the_content_type_of_its_label_column():
    rcf = estimator(trainingSparkDataFormat="csv").setFeatureDim(4)
    assert rcf.getTrainingContentType() == "text/csv;label_size=1"
    rcf.transformSchema(StructType([]))
    late = estimator().setFeatureDim(4).setTrainingSparkDataFormat("csv")
    with pytest.raises(ValueError, match="needs trainingContentType 'text/csv;label_size=1'"):
        late.transformSchema(StructType([]))


def test_a_valid_test_indicator_passes():
    rcf = estimator(testIndicatorColumnName="is_test").setFeatureDim(4)
    schema = StructType(
        [FEATURES, StructField("is_test", BooleanType()), StructField("label", IntegerType())]
    )
    assert rcf.transformSchema(schema) == schema
    with pytest.raises(TypeError):
        rcf.setTestIndicatorColumnName(3)


@pytest.mark.parametrize("region", sorted(SDK_ACCOUNTS_35))
def test_image_uri_in_every_region_of_the_service(region):
    expected = f"{SDK_ACCOUNTS_35[region]}.dkr.ecr.{region}.{ecr_domain(region)}/randomcutforest:1"
    rcf = estimator(region=region)
    assert rcf.getTrainingImage() == expected and rcf.getModelImage() == expected


@pytest.mark.parametrize("region", ["us-isof-east-1", "us-isof-south-1", "xx-nowhere-1"])
def test_a_region_without_the_image_fails_at_construction(region):
    with pytest.raises(UnsupportedRegionError, match="randomcutforest:1"):
        estimator(region=region)


def test_the_region_set_is_exactly_the_services():
    from smspark_randomcutforest.estimator import RCF_ACCOUNTS as used

    assert dict(used) == SDK_ACCOUNTS_35


@pytest.mark.spark
def test_uid_and_every_param_survive_save_and_load(spark, tmp_path):
    rcf = estimator(uid="RandomCutForestSageMakerEstimator_fixed", testIndicatorColumnName="t")
    rcf.setFeatureDim(8).setNumSamplesPerTree(128).setNumTrees(75).setEvalMetrics("accuracy")
    rcf.save(str(tmp_path / "estimator"))
    loaded = RandomCutForestSageMakerEstimator.load(str(tmp_path / "estimator"))
    assert loaded.uid == rcf.uid
    assert loaded.make_hyperparameters() == rcf.make_hyperparameters()
    assert loaded.getTestIndicatorColumnName() == "t"
    assert loaded.getEvalMetrics() == '["accuracy"]'
    assert loaded.getTrainingImage() == rcf.getTrainingImage()
    Pipeline(stages=[rcf]).save(str(tmp_path / "pipeline"))
    stage = Pipeline.load(str(tmp_path / "pipeline")).getStages()[0]
    assert stage.uid == rcf.uid and stage.make_hyperparameters() == rcf.make_hyperparameters()
    assert stage.getTestIndicatorColumnName() == "t"


def test_the_generated_setting_accessors_are_current():
    module = importlib.import_module("smspark_randomcutforest.settings")
    source = Path(inspect.getsourcefile(module))
    generated = source.with_name("_accessors.py")
    expected = accessor_codegen.generate((source,))
    assert generated.read_text() == expected, f"run: {module.ACCESSORS_COMMAND}"


# ------------------------------------------------------------------------- deserializer


def _bodies(scores: list[float]) -> dict[str, bytes]:
    return {
        "protobuf": b"".join(
            recordio.frame(amazon_record.response_record({"score": [s]})) for s in scores
        ),
        "json": json.dumps({"scores": [{"score": s} for s in scores]}).encode(),
        "jsonlines": "".join(json.dumps({"score": s}) + "\n" for s in scores).encode(),
    }


@pytest.mark.parametrize("kind", ["protobuf", "json", "jsonlines"])
def test_the_deserializer_reads_every_answer_format(kind):
    deserializer = RandomCutForestProtobufResponseRowDeserializer(score_column_name="anomaly")
    body = _bodies([0.25, 3.5, 1.0])[kind]
    assert [r.anomaly for r in deserializer.deserialize_response(body)] == [0.25, 3.5, 1.0]
    assert deserializer.deserialize_batch(body).column(0).to_pylist() == [0.25, 3.5, 1.0]
    assert deserializer.schema.names == ["anomaly"]


@pytest.mark.parametrize(
    "accept", ["application/x-recordio-protobuf", "application/json", "application/jsonlines"]
)
def test_the_deserializer_asks_for_each_answer_type_and_keeps_it_through_its_config(accept):
    deserializer = RandomCutForestProtobufResponseRowDeserializer("s", accept=accept)
    assert deserializer.accepts == accept
    again = RandomCutForestProtobufResponseRowDeserializer.from_config(deserializer.config())
    assert again.accepts == accept and again.schema == deserializer.schema


def test_the_deserializer_refuses_other_answer_types_and_bad_answers():
    with pytest.raises(ValueError, match="accept must be one of"):
        RandomCutForestProtobufResponseRowDeserializer(accept="text/csv")
    deserializer = RandomCutForestProtobufResponseRowDeserializer()
    with pytest.raises(Exception, match="'score' not found"):
        deserializer.deserialize_response(b'{"scores": [{"anomaly": 1}]}')
    with pytest.raises(Exception, match="not numeric"):
        deserializer.deserialize_response(b'{"scores": [{"score": "high"}]}')


def test_found_by_the_algorithms_namespace():
    from smspark_core.algorithms import RandomCutForestSageMakerEstimator as found

    assert found is RandomCutForestSageMakerEstimator


def test_the_plugin_registers_the_algorithm_its_deserializer_and_the_local_image(plugin_host):
    spec = plugin_host.algorithms.get("randomcutforest")
    assert spec.estimators == (RandomCutForestSageMakerEstimator,)
    assert RandomCutForestSageMakerEstimator.image_repository == "randomcutforest"
    assert plugin_host.algorithms.owner("randomcutforest") == "randomcutforest"
    deserializer = plugin_host.deserializer("randomcutforest")
    assert deserializer.schema.names == ["score"]
    assert plugin_host.name_of(deserializer) == "randomcutforest"
    image = plugin_host.local_images.get("randomcutforest")
    assert image.train == "smspark_randomcutforest.container:train"
    assert image.serve == "smspark_randomcutforest.container:serve"
    assert {name for name, _ in image.metric_definitions} >= {
        "test:f1",
        "test:precision",
        "test:recall",
        "test:accuracy",
    }


@pytest.mark.spark
def test_a_model_with_the_deserializer_saves_and_loads(spark, tmp_path):
    from smspark_core import EndpointCreationPolicy, SageMakerModel

    model = SageMakerModel.from_model_s3_path(
        "s3://bucket/rcf/model.tar.gz",
        estimator().getModelImage(),
        "arn:aws:iam::123456789012:role/r",
        "ml.m5.large",
        1,
        ProtobufRequestRowSerializer(),
        RandomCutForestProtobufResponseRowDeserializer("anomaly", accept="application/jsonlines"),
        endpointCreationPolicy=EndpointCreationPolicy.CREATE_ON_TRANSFORM,  # no AWS call here
    )
    model.save(str(tmp_path / "model"))
    loaded = SageMakerModel.load(str(tmp_path / "model")).getResponseRowDeserializer()
    assert type(loaded) is RandomCutForestProtobufResponseRowDeserializer
    assert loaded.accepts == "application/jsonlines" and loaded.schema.names == ["anomaly"]
