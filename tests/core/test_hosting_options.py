"""Production hosting and runtime options: typed Params with the API's field names, checked
before any AWS call, written into exactly the request fields botocore's model defines (the
Stubber checks the requests against it), never hyperparameters, and persisted."""

from __future__ import annotations

import io

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.response import StreamingBody
from botocore.stub import Stubber
from botocore.validate import validate_parameters

from smspark_core import IAMRole
from smspark_core.aws import ClientSpec
from smspark_core.aws.hosting import create_hosting_resources, hosting_requests
from smspark_core.aws.hosting_options import SERVERLESS_MAX_REQUEST_BYTES, HostingOptionError
from smspark_core.aws.resources import CreatedResources, CustomNamePolicy, EndpointCreationPolicy
from smspark_core.estimator import SageMakerEstimator
from smspark_core.executor.invoke import EndpointInvoker, InvokeSettings, classify
from smspark_core.model import SageMakerModel
from smspark_core.transformation.deserializers import XGBoostCSVRowDeserializer
from smspark_core.transformation.serializers import UnlabeledCSVRequestRowSerializer

ROLE = "arn:aws:iam::123456789012:role/r"
KEY = "arn:aws:kms:us-east-1:123456789012:key/k"
NAMES = CustomNamePolicy("job", "model-1", "config-1", "endpoint-1")
HOSTING = {
    "hostingTags": {"team": "ml"},
    "modelVpcConfig": {"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1"]},
    "modelEnableNetworkIsolation": True,
    "endpointKmsKeyId": KEY,
    "dataCaptureDestinationS3Uri": "s3://bucket/capture",
    "dataCaptureInitialSamplingPercentage": 20,
    "dataCaptureOptions": ["Input"],
    "dataCaptureKmsKeyId": KEY,
    "initialVariantWeight": 3.0,
    "additionalProductionVariants": [
        {
            "VariantName": "Challenger",
            "ModelName": "model-b",
            "InitialVariantWeight": 1.0,
            "InstanceType": "ml.m5.large",
            "InitialInstanceCount": 1,
        }
    ],
}
RUNTIME = {
    "targetVariant": "AllRequests",
    "targetModel": "model-a.tar.gz",
    "inferenceComponentName": "component-1",
    "customAttributes": "trace=1",
    "inferenceId": "batch-7",
    "invocationReadTimeoutSeconds": 7.0,
}


def _body(data: bytes) -> StreamingBody:
    return StreamingBody(io.BytesIO(data), len(data))


def _client():
    return boto3.client("sagemaker", region_name="us-east-1")


def _model(instance_type="ml.m5.large", count=1, client=None, **options):
    return SageMakerModel(
        instance_type,
        count,
        UnlabeledCSVRequestRowSerializer(),
        XGBoostCSVRowDeserializer(),
        modelImage="123456789012.dkr.ecr.us-east-1.amazonaws.com/serve:1",
        modelPath="s3://bucket/model.tar.gz",
        modelExecutionRoleARN=ROLE,
        endpointCreationPolicy=EndpointCreationPolicy.DO_NOT_CREATE,
        sagemakerClient=client or _client(),
        namePolicy=NAMES,
        clientSpec=ClientSpec(region="us-east-1"),
        **options,
    )


def _requests(model):
    requests = hosting_requests(
        model.getNamePolicy(),
        image=model.getModelImage(),
        model_data_url=model.getModelPath().to_s3_uri(),
        environment={},
        role_arn=ROLE,
        instance_type=model.getEndpointInstanceType(),
        instance_count=model.getEndpointInitialInstanceCount(),
        options=model,
    )
    service = _client().meta.service_model
    for operation, request in zip(
        ("CreateModel", "CreateEndpointConfig", "CreateEndpoint"), requests, strict=True
    ):
        validate_parameters(request, service.operation_model(operation).input_shape)
    return requests


def test_unset_options_leave_the_original_requests():
    model, config, endpoint = _requests(_model())
    assert set(model) == {"ModelName", "PrimaryContainer", "ExecutionRoleArn"}
    assert config == {
        "EndpointConfigName": "config-1",
        "ProductionVariants": [
            {
                "VariantName": "AllRequests",
                "ModelName": "model-1",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
            }
        ],
    }
    assert endpoint == {"EndpointName": "endpoint-1", "EndpointConfigName": "config-1"}


def test_every_hosting_option_lands_in_its_request_field():
    model, config, endpoint = _requests(_model(**HOSTING))
    tags = [{"Key": "team", "Value": "ml"}]
    assert model["Tags"] == config["Tags"] == endpoint["Tags"] == tags
    assert model["VpcConfig"] == HOSTING["modelVpcConfig"]
    assert model["EnableNetworkIsolation"] is True
    assert config["KmsKeyId"] == KEY
    own, challenger = config["ProductionVariants"]
    assert (own["VariantName"], own["ModelName"], own["InitialVariantWeight"]) == (
        "AllRequests",
        "model-1",
        3.0,
    )
    assert challenger == HOSTING["additionalProductionVariants"][0]
    assert config["DataCaptureConfig"] == {
        "EnableCapture": True,
        "InitialSamplingPercentage": 20,
        "DestinationS3Uri": "s3://bucket/capture",
        "CaptureOptions": [{"CaptureMode": "Input"}],
        "KmsKeyId": KEY,
    }


def test_data_capture_defaults_to_everything():
    _, config, _ = _requests(_model(dataCaptureDestinationS3Uri="s3://bucket/capture"))
    capture = config["DataCaptureConfig"]
    assert capture["InitialSamplingPercentage"] == 100
    assert capture["CaptureOptions"] == [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}]


def test_serverless_replaces_the_instances():
    model = _model(None, None, serverlessMemorySizeInMB=2048, serverlessMaxConcurrency=5)
    _, config, _ = _requests(model)
    assert config["ProductionVariants"] == [
        {
            "VariantName": "AllRequests",
            "ModelName": "model-1",
            "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5},
        }
    ]


def test_serverless_requests_are_cut_under_its_payload_limit():
    endpoint = {"existingEndpointName": "endpoint-1"}
    serverless = _model(
        None, None, serverlessMemorySizeInMB=1024, serverlessMaxConcurrency=1, **endpoint
    )
    assert serverless._invoke_settings().max_request_bytes == SERVERLESS_MAX_REQUEST_BYTES
    smaller = _model(
        None,
        None,
        serverlessMemorySizeInMB=1024,
        serverlessMaxConcurrency=1,
        maxRequestBytes=1024,
        **endpoint,
    )
    assert smaller._invoke_settings().max_request_bytes == 1024
    assert _model(**endpoint)._invoke_settings().max_request_bytes == 5 * 1024 * 1024


def test_the_stubbed_service_receives_exactly_these_requests():
    client = _client()
    model, config, endpoint = _requests(
        _model(None, None, serverlessMemorySizeInMB=3072, serverlessMaxConcurrency=10, **HOSTING)
    )
    stubber = Stubber(client)
    stubber.add_response(
        "create_model", {"ModelArn": "arn:aws:sagemaker:us-east-1:1:model/model-1"}, model
    )
    stubber.add_response(
        "create_endpoint_config",
        {"EndpointConfigArn": "arn:aws:sagemaker:us-east-1:1:endpoint-config/config-1"},
        config,
    )
    stubber.add_response(
        "create_endpoint",
        {"EndpointArn": "arn:aws:sagemaker:us-east-1:1:endpoint/endpoint-1"},
        endpoint,
    )
    stubber.add_response(
        "describe_endpoint",
        {
            "EndpointName": "endpoint-1",
            "EndpointArn": "arn:aws:sagemaker:us-east-1:1:endpoint/endpoint-1",
            "EndpointStatus": "InService",
            "CreationTime": 0,
            "LastModifiedTime": 0,
        },
        {"EndpointName": "endpoint-1"},
    )
    hosted = _model(
        None,
        None,
        client=client,
        serverlessMemorySizeInMB=3072,
        serverlessMaxConcurrency=10,
        **HOSTING,
    )
    with stubber:
        hosted._create_hosting_resources()
    stubber.assert_no_pending_responses()
    assert hosted.getCreatedResources() == CreatedResources("model-1", "config-1", "endpoint-1")


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"serverlessMemorySizeInMB": 2048, "serverlessMaxConcurrency": 5}, "ServerlessConfig"),
        ({"hostingTags": {f"k{i}": "v" for i in range(51)}}, "Tags"),
        ({"modelVpcConfig": {"SecurityGroupIds": ["sg"], "Subnets": []}}, "VpcConfig.Subnets"),
        ({"dataCaptureOptions": ["Input"]}, "DataCaptureConfig.DestinationS3Uri"),
        ({"dataCaptureDestinationS3Uri": "bucket/x"}, "DataCaptureConfig.DestinationS3Uri"),
        (
            {
                "dataCaptureDestinationS3Uri": "s3://b/x",
                "dataCaptureInitialSamplingPercentage": 101,
            },
            "DataCaptureConfig.InitialSamplingPercentage",
        ),
        (
            {"dataCaptureDestinationS3Uri": "s3://b/x", "dataCaptureOptions": ["Everything"]},
            "DataCaptureConfig.CaptureOptions",
        ),
        ({"endpointKmsKeyId": "k" * 2049}, "kmsKeyId"),  # botocore's model: at most 2048
        ({"initialVariantWeight": -1.0}, "InitialVariantWeight"),
        ({"additionalProductionVariants": [{"ModelName": "m"}]}, "VariantName"),
        ({"additionalProductionVariants": [{"VariantName": "B"}]}, "ModelName"),
        (
            {"additionalProductionVariants": [{"VariantName": "B", "ModelName": "m", "Hosts": 2}]},
            "Hosts",  # botocore's model: not a field of a production variant
        ),
        (
            {
                "additionalProductionVariants": [
                    {"VariantName": "AllRequests", "ModelName": "m", "InitialInstanceCount": 1}
                ]
            },
            "appear more than once",
        ),
    ],
)
def test_bad_hosting_options_fail_before_any_aws_call(options, field):
    """With instances: giving serverless options as well is refused, as every bad value."""
    client = _client()
    model = _model(client=client, **options)
    with Stubber(client), pytest.raises(HostingOptionError, match=field):
        model._create_hosting_resources()


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"serverlessMemorySizeInMB": 1000, "serverlessMaxConcurrency": 5}, "MemorySizeInMB"),
        ({"serverlessMemorySizeInMB": 7168, "serverlessMaxConcurrency": 5}, "MemorySizeInMB"),
        ({"serverlessMemorySizeInMB": 1024, "serverlessMaxConcurrency": 201}, "MaxConcurrency"),
        ({"serverlessMaxConcurrency": 5}, "MemorySizeInMB"),
    ],
)
def test_bad_serverless_options_fail_before_any_aws_call(options, field):
    client = _client()
    model = _model(None, None, client=client, **options)
    with Stubber(client), pytest.raises(HostingOptionError, match=field):
        model._create_hosting_resources()


def test_the_estimator_checks_its_hosting_options_before_training():
    estimator = _estimator(serverlessMemorySizeInMB=2048, serverlessMaxConcurrency=5)
    with Stubber(estimator.sagemakerClient), pytest.raises(HostingOptionError, match="Serverless"):
        estimator.fit(object())


def test_the_estimator_refuses_a_repeated_variant_name_before_training():
    estimator = _estimator(
        additionalProductionVariants=[{"VariantName": "AllRequests", "ModelName": "model-b"}]
    )
    with Stubber(estimator.sagemakerClient), pytest.raises(HostingOptionError, match="more than"):
        estimator.fit(object())


def test_runtime_options_go_into_every_invoke_request():
    settings = _model(existingEndpointName="endpoint-1", **RUNTIME)._invoke_settings()
    assert dict(settings.request_fields) == {
        "TargetVariant": "AllRequests",
        "TargetModel": "model-a.tar.gz",
        "InferenceComponentName": "component-1",
        "CustomAttributes": "trace=1",
        "InferenceId": "batch-7",
    }
    invoker = EndpointInvoker(settings, ClientSpec(region="us-east-1"))
    assert invoker.client.meta.config.read_timeout == 7.0
    stubber = Stubber(invoker.client)
    stubber.add_response(
        "invoke_endpoint",
        {"Body": _body(b"0.5\n"), "ContentType": "text/csv"},
        {
            "EndpointName": "endpoint-1",
            "Body": b"1,2\n",
            "ContentType": "text/csv",
            "Accept": "text/csv",
            **dict(settings.request_fields),
        },
    )
    with stubber:
        assert invoker._call(b"1,2\n") == b"0.5\n"
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("code", "status"), [("ModelNotReadyException", 429), ("ServiceUnavailable", 503)]
)
def test_model_not_ready_and_service_unavailable_are_retried(code, status):
    error = ClientError(
        {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "InvokeEndpoint",
    )
    assert classify(error)[1] is not None
    settings = InvokeSettings("e", "text/csv", "text/csv", base_backoff=0.0)
    invoker = EndpointInvoker(settings, ClientSpec(region="us-east-1"), sleep=lambda _: None)
    stubber = Stubber(invoker.client)
    stubber.add_client_error("invoke_endpoint", code, "not yet", status)
    stubber.add_response("invoke_endpoint", {"Body": _body(b"ok")})
    with stubber:
        assert invoker._call(b"x") == b"ok"
    assert sum(invoker.stats.retries.values()) == 1


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"customAttributes": "x" * 1025}, "customAttributes"),
        ({"inferenceId": ""}, "inferenceId"),
        ({"targetVariant": "bad_name"}, "targetVariant"),
        ({"inferenceComponentName": "-x"}, "inferenceComponentName"),
        ({"invocationReadTimeoutSeconds": 0}, "invocationReadTimeoutSeconds"),
    ],
)
def test_bad_runtime_options_are_refused_when_given_and_when_transforming(options, field):
    with pytest.raises(HostingOptionError, match=field):
        _model(**options)
    model = _model()
    model._set(**options)  # a setter does not check; transform() does before any request
    with pytest.raises(HostingOptionError, match=field):
        model._invoke_settings()


def test_additional_variants_must_be_a_list_of_dicts():
    with pytest.raises(TypeError, match="production variant"):
        _model(additionalProductionVariants={"VariantName": "B"})


def test_options_are_params_never_hyperparameters():
    model = _model().setCustomAttributes("a=1").setServerlessMaxConcurrency(3)
    assert model.getCustomAttributes() == "a=1"
    assert model.copy().getServerlessMaxConcurrency() == 3
    assert "hostingTags" in model.explainParams()
    estimator = _estimator(hostingTags={"a": "b"})
    assert estimator.make_hyperparameters() == {}
    assert estimator.getHostingTags() == [{"Key": "a", "Value": "b"}]
    with pytest.raises(TypeError, match="unexpected"):
        _model(hostingTag={"a": "b"})


def test_the_hosting_requests_without_options_are_unchanged():
    """hosting_requests without options is what create_hosting_resources always sent."""
    client = _client()
    stubber = Stubber(client)
    model, config, endpoint = hosting_requests(
        NAMES,
        image="img:1",
        model_data_url=None,
        environment={},
        role_arn=None,
        instance_type="ml.m5.large",
        instance_count=2,
    )
    for operation, request, answer in (
        ("create_model", model, {"ModelArn": "arn:aws:sagemaker:us-east-1:1:model/model-1"}),
        (
            "create_endpoint_config",
            config,
            {"EndpointConfigArn": "arn:aws:sagemaker:us-east-1:1:endpoint-config/config-1"},
        ),
        (
            "create_endpoint",
            endpoint,
            {"EndpointArn": "arn:aws:sagemaker:us-east-1:1:endpoint/endpoint-1"},
        ),
    ):
        stubber.add_response(operation, answer, request)
    stubber.add_response(
        "describe_endpoint",
        {
            "EndpointName": "endpoint-1",
            "EndpointArn": "arn:aws:sagemaker:us-east-1:1:endpoint/endpoint-1",
            "EndpointStatus": "InService",
            "CreationTime": 0,
            "LastModifiedTime": 0,
        },
    )
    with stubber:
        create_hosting_resources(
            client,
            NAMES,
            image="img:1",
            model_data_url=None,
            environment={},
            role_arn=None,
            instance_type="ml.m5.large",
            instance_count=2,
            poll_seconds=0,
        )
    stubber.assert_no_pending_responses()


def _estimator(**kwargs):
    return SageMakerEstimator(
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1",
        "ml.m5.large",
        1,
        "ml.m5.large",
        1,
        UnlabeledCSVRequestRowSerializer(),
        XGBoostCSVRowDeserializer(),
        sagemakerRole=IAMRole(ROLE),
        sagemakerClient=_client(),
        **kwargs,
    )


@pytest.mark.spark
def test_options_are_persisted(spark, tmp_path):
    model = _model(**HOSTING, **RUNTIME)
    model.save(str(tmp_path / "m"))
    loaded = SageMakerModel.load(str(tmp_path / "m"))
    options = (*HOSTING, *RUNTIME)
    assert loaded.setting_values(options) == model.setting_values(options)
    assert len(loaded.setting_values(options)) == len(options)
    assert _requests(loaded) == _requests(model)
    estimator = _estimator(**HOSTING)
    estimator.save(str(tmp_path / "e"))
    reloaded = SageMakerEstimator.load(str(tmp_path / "e"))
    assert reloaded.setting_values(tuple(HOSTING)) == estimator.setting_values(tuple(HOSTING))


def test_an_algorithm_estimator_hosts_serverless_without_instances():
    from smspark_core.algorithms.estimator import AmazonAlgorithmEstimator

    class Algorithm(AmazonAlgorithmEstimator):
        image_repository = "algorithm"
        registry_accounts = {"us-east-1": "123456789012"}

    serverless = Algorithm(
        "ml.m5.large",
        1,
        sagemakerRole=IAMRole(ROLE),
        responseRowDeserializer=XGBoostCSVRowDeserializer(),
        region="us-east-1",
        sagemakerClient=_client(),
        serverlessMemorySizeInMB=1024,
        serverlessMaxConcurrency=1,
    )
    assert serverless.getEndpointInstanceType() is None
    assert serverless.getServerlessMemorySizeInMB() == 1024
    without = Algorithm(
        "ml.m5.large",
        1,
        sagemakerRole=IAMRole(ROLE),
        responseRowDeserializer=XGBoostCSVRowDeserializer(),
        region="us-east-1",
        sagemakerClient=_client(),
    )
    with pytest.raises(ValueError, match="endpointInstanceType"):
        without._check_before_any_call()  # what fit() checks before any AWS call
