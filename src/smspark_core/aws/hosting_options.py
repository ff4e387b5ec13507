"""What production endpoints need beyond the original's settings: tags, VPC, network
isolation, encryption, data capture and serverless hosting (``HostingOptions``, on the
estimator and the model), and the per-request InvokeEndpoint fields of ``transform()``
(``RuntimeOptions``, on the model).

As ``smspark_core.aws.training_options``: each option is a typed Spark Param named for its API
field, a ``StageSetting`` (never a hyperparameter), copied and persisted by pyspark's Params
machinery. The ``check_*`` methods look at them together before any AWS call and name the
field SageMaker would refuse; the ``apply_*`` methods write the set ones into exactly the
request fields botocore's model defines. Unset options add nothing, so the requests stay the
original's.

A serverless endpoint (``serverlessMemorySizeInMB`` and ``serverlessMaxConcurrency``) is an
alternative to instances: the model's endpoint instance type and count must then be None.
Its payload limit is 4 MB, not 6 MB, and ``transform()`` cuts its requests under it.

An endpoint may serve several production variants: the stage's own model is the first
(weighted by ``initialVariantWeight``), ``additionalProductionVariants`` are the others, each
naming an existing SageMaker model (A/B tests, shadow-free canaries). SageMaker splits
traffic by weight; ``targetVariant`` sends every request of a transform to one of them.
Cleanup removes what the stage created (its model, the endpoint config and the endpoint),
never the other variants' models.
"""

from __future__ import annotations

from typing import Any

from pyspark.ml.param import Param, Params

from smspark_core.aws._accessors import HostingOptionsAccessors, RuntimeOptionsAccessors
from smspark_core.aws.resources import S3_URI_FIELD
from smspark_core.aws.service_model import member_names, request_problems
from smspark_core.aws.setting import (
    StageSetting,
    tag_list,
    to_bool,
    to_float,
    to_int,
    to_str,
    variant_list,
    vpc_config,
)
from smspark_core.foundation.errors import SmsparkError

VARIANT_NAME = "AllRequests"  # the stage's own production variant
SERVERLESS_MAX_REQUEST_BYTES = 4 * 1024 * 1024  # a serverless endpoint's payload limit
SERVERLESS_MEMORY_SIZES = tuple(range(1024, 6144 + 1, 1024))
CAPTURE_MODES = ("Input", "Output")


class HostingOptionError(SmsparkError, ValueError):
    """A hosting or runtime option SageMaker would refuse; the message names the field."""


def _fail(operation: str, field: str, problem: str) -> HostingOptionError:
    return HostingOptionError(f"{operation} field {field}: {problem}")


def _capture_modes(value: Any) -> list[str]:
    """``["Input", "Output"]`` or ``"Input"``."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple) and all(isinstance(mode, str) for mode in value):
        return list(value)
    raise TypeError(f"expected a list of capture modes ('Input', 'Output'), got {value!r}")


def _option(params: Params, param: Param) -> Any:
    return params.getOrDefault(param) if params.isDefined(param) else None


class HostingOptions(HostingOptionsAccessors):
    """The production options of a model and its endpoint (see the module docstring)."""

    hostingTags = StageSetting(
        "hostingTags",
        "Tags of the model, endpoint config and endpoint (Tags of CreateModel, "
        "CreateEndpointConfig and CreateEndpoint); at most 50.",
        tag_list,
        "list[dict[str, str]]",
    )
    modelVpcConfig = StageSetting(
        "modelVpcConfig",
        "Subnets and security groups the model containers run in (CreateModel.VpcConfig).",
        vpc_config,
        "dict[str, list[str]]",
    )
    modelEnableNetworkIsolation = StageSetting(
        "modelEnableNetworkIsolation",
        "No network access for the model container (CreateModel.EnableNetworkIsolation).",
        to_bool,
        "bool",
    )
    endpointKmsKeyId = StageSetting(
        "endpointKmsKeyId",
        "KMS key of the endpoint instances' storage volumes (CreateEndpointConfig.KmsKeyId).",
        to_str,
        "str",
    )
    dataCaptureDestinationS3Uri = StageSetting(
        "dataCaptureDestinationS3Uri",
        "Capture requests and responses to this S3 URI "
        "(CreateEndpointConfig.DataCaptureConfig.DestinationS3Uri).",
        to_str,
        "str",
    )
    dataCaptureInitialSamplingPercentage = StageSetting(
        "dataCaptureInitialSamplingPercentage",
        "Percentage of requests captured, 0 to 100, default 100 "
        "(DataCaptureConfig.InitialSamplingPercentage); needs dataCaptureDestinationS3Uri.",
        to_int,
        "int",
    )
    dataCaptureOptions = StageSetting(
        "dataCaptureOptions",
        "What is captured, 'Input' and/or 'Output', default both "
        "(DataCaptureConfig.CaptureOptions); needs dataCaptureDestinationS3Uri.",
        _capture_modes,
        "list[str]",
    )
    dataCaptureKmsKeyId = StageSetting(
        "dataCaptureKmsKeyId",
        "KMS key of the captured data (DataCaptureConfig.KmsKeyId); needs "
        "dataCaptureDestinationS3Uri.",
        to_str,
        "str",
    )
    serverlessMemorySizeInMB = StageSetting(
        "serverlessMemorySizeInMB",
        "A serverless endpoint with this much memory: 1024 to 6144 in steps of 1024 "
        "(ProductionVariants.ServerlessConfig.MemorySizeInMB); needs serverlessMaxConcurrency.",
        to_int,
        "int",
    )
    serverlessMaxConcurrency = StageSetting(
        "serverlessMaxConcurrency",
        "Most concurrent invocations of a serverless endpoint, 1 to 200 "
        "(ProductionVariants.ServerlessConfig.MaxConcurrency); needs serverlessMemorySizeInMB.",
        to_int,
        "int",
    )

    initialVariantWeight = StageSetting(
        "initialVariantWeight",
        "Share of traffic for the stage's own variant, relative to the other variants' "
        "weights, at least 0 (ProductionVariants[0].InitialVariantWeight; the service's "
        "default is 1).",
        to_float,
        "float",
    )
    additionalProductionVariants = StageSetting(
        "additionalProductionVariants",
        "More production variants of the endpoint, as CreateEndpointConfig takes them: each "
        "a dict with VariantName, ModelName (an existing model), InitialVariantWeight and "
        "InstanceType with InitialInstanceCount, or ServerlessConfig.",
        variant_list,
        "list[dict[str, Any]]",
    )

    def is_serverless(self) -> bool:
        """Whether the endpoint is serverless (either serverless option set)."""
        return (
            _option(self, self.serverlessMemorySizeInMB) is not None
            or _option(self, self.serverlessMaxConcurrency) is not None
        )

    def max_request_bytes(self, configured: int) -> int:
        """The request size limit ``transform()`` cuts under: the serverless payload limit
        applies on its own."""
        return min(configured, SERVERLESS_MAX_REQUEST_BYTES) if self.is_serverless() else configured

    def check_hosting_options(self, instance_type: Any, instance_count: Any) -> None:
        """Raises ``HostingOptionError`` naming the field SageMaker would refuse (instances
        themselves are ``preflight.check_endpoint_settings``'s)."""
        tags = _option(self, self.hostingTags) or []
        if len(tags) > 50:
            raise _fail("CreateModel", "Tags", f"at most 50 tags, got {len(tags)}")
        vpc = _option(self, self.modelVpcConfig)
        if vpc is not None:
            for key, low, high in (("SecurityGroupIds", 1, 5), ("Subnets", 1, 16)):
                if not low <= len(vpc[key]) <= high:
                    raise _fail(
                        "CreateModel", f"VpcConfig.{key}", f"{low} to {high} ids, got {vpc[key]}"
                    )
        self._check_data_capture()
        self._check_variants()
        if not self.is_serverless():
            return
        field = "ProductionVariants.ServerlessConfig"
        if instance_type is not None or instance_count is not None:
            raise _fail(
                "CreateEndpointConfig",
                field,
                "a serverless endpoint has no instances: give serverlessMemorySizeInMB and "
                "serverlessMaxConcurrency, or endpointInstanceType and "
                f"endpointInitialInstanceCount, not both (got {instance_type!r}, "
                f"{instance_count!r})",
            )
        memory = _option(self, self.serverlessMemorySizeInMB)
        concurrency = _option(self, self.serverlessMaxConcurrency)
        if memory is None or memory not in SERVERLESS_MEMORY_SIZES:
            raise _fail(
                "CreateEndpointConfig",
                f"{field}.MemorySizeInMB",
                f"one of {list(SERVERLESS_MEMORY_SIZES)}, got {memory}",
            )
        if concurrency is None or not 1 <= concurrency <= 200:
            raise _fail(
                "CreateEndpointConfig", f"{field}.MaxConcurrency", f"1 to 200, got {concurrency}"
            )

    def _check_variants(self) -> None:
        """Weights at least 0, every additional variant named (no name twice, the stage's own
        included) and with a model; the rest of each variant's fields is botocore's model's
        to check (``hosting_requests``)."""
        field = "ProductionVariants"
        weight = _option(self, self.initialVariantWeight)
        if weight is not None and weight < 0:
            raise _fail("CreateEndpointConfig", f"{field}.InitialVariantWeight", f"{weight} < 0")
        fields = member_names("CreateEndpointConfig", "ProductionVariants")
        for index, variant in enumerate(_option(self, self.additionalProductionVariants) or []):
            unknown = sorted(set(variant) - fields)
            if unknown:
                raise _fail(
                    "CreateEndpointConfig",
                    field,
                    f"additionalProductionVariants[{index}] has unknown fields {unknown}; a "
                    f"variant's fields are {sorted(fields)}",
                )
            for key in ("VariantName", "ModelName"):
                if not isinstance(variant.get(key), str) or not variant[key]:
                    raise _fail(
                        "CreateEndpointConfig",
                        f"{field}.{key}",
                        f"additionalProductionVariants[{index}] needs a {key}, got {variant!r}",
                    )
            weight = variant.get("InitialVariantWeight")
            if isinstance(weight, int | float) and weight < 0:
                raise _fail(
                    "CreateEndpointConfig",
                    f"{field}.InitialVariantWeight",
                    f"additionalProductionVariants[{index}] has weight {weight} < 0",
                )
        names = [VARIANT_NAME] + [
            variant["VariantName"]
            for variant in _option(self, self.additionalProductionVariants) or []
        ]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise _fail(
                "CreateEndpointConfig",
                f"{field}.VariantName",
                f"variant names must differ; {repeated} appear more than once (the stage's own "
                f"variant is {VARIANT_NAME!r})",
            )

    def _check_data_capture(self) -> None:
        field = "DataCaptureConfig"
        destination = _option(self, self.dataCaptureDestinationS3Uri)
        others = {
            "dataCaptureInitialSamplingPercentage": self.dataCaptureInitialSamplingPercentage,
            "dataCaptureOptions": self.dataCaptureOptions,
            "dataCaptureKmsKeyId": self.dataCaptureKmsKeyId,
        }
        if destination is None:
            given = [name for name, param in others.items() if _option(self, param) is not None]
            if given:
                raise _fail(
                    "CreateEndpointConfig",
                    f"{field}.DestinationS3Uri",
                    f"{', '.join(given)} need dataCaptureDestinationS3Uri",
                )
            return
        if not S3_URI_FIELD.match(destination):
            raise _fail(
                "CreateEndpointConfig",
                f"{field}.DestinationS3Uri",
                f"expected an s3:// URI, got {destination!r}",
            )
        percentage = _option(self, self.dataCaptureInitialSamplingPercentage)
        if percentage is not None and not 0 <= percentage <= 100:
            raise _fail(
                "CreateEndpointConfig",
                f"{field}.InitialSamplingPercentage",
                f"0 to 100, got {percentage}",
            )
        modes = _option(self, self.dataCaptureOptions)
        if modes is not None and (
            not 1 <= len(modes) <= 2 or any(mode not in CAPTURE_MODES for mode in modes)
        ):
            raise _fail(
                "CreateEndpointConfig",
                f"{field}.CaptureOptions",
                f"one or both of {list(CAPTURE_MODES)}, got {modes}",
            )

    def apply_hosting_options(
        self, model: dict[str, Any], config: dict[str, Any], endpoint: dict[str, Any]
    ) -> None:
        """Writes the set options into the CreateModel, CreateEndpointConfig and
        CreateEndpoint requests (the stage's own variant first, then the additional ones)."""
        tags = _option(self, self.hostingTags)
        if tags is not None:
            for request in (model, config, endpoint):
                request["Tags"] = tags
        for field, param in (
            ("VpcConfig", self.modelVpcConfig),
            ("EnableNetworkIsolation", self.modelEnableNetworkIsolation),
        ):
            value = _option(self, param)
            if value is not None:
                model[field] = value
        kms = _option(self, self.endpointKmsKeyId)
        if kms is not None:
            config["KmsKeyId"] = kms
        destination = _option(self, self.dataCaptureDestinationS3Uri)
        if destination is not None:
            percentage = _option(self, self.dataCaptureInitialSamplingPercentage)
            modes = _option(self, self.dataCaptureOptions) or list(CAPTURE_MODES)
            capture: dict[str, Any] = {
                "EnableCapture": True,
                "InitialSamplingPercentage": 100 if percentage is None else percentage,
                "DestinationS3Uri": destination,
                "CaptureOptions": [{"CaptureMode": mode} for mode in modes],
            }
            capture_kms = _option(self, self.dataCaptureKmsKeyId)
            if capture_kms is not None:
                capture["KmsKeyId"] = capture_kms
            config["DataCaptureConfig"] = capture
        variants = config["ProductionVariants"]
        weight = _option(self, self.initialVariantWeight)
        if weight is not None:
            variants[0]["InitialVariantWeight"] = weight
        variants += _option(self, self.additionalProductionVariants) or []
        if self.is_serverless():
            variant = variants[0]
            variant.pop("InstanceType", None)
            variant.pop("InitialInstanceCount", None)
            variant["ServerlessConfig"] = {
                "MemorySizeInMB": _option(self, self.serverlessMemorySizeInMB),
                "MaxConcurrency": _option(self, self.serverlessMaxConcurrency),
            }


HOSTING_OPTION_NAMES = tuple(
    name for name, value in vars(HostingOptions).items() if isinstance(value, StageSetting)
)

# InvokeEndpoint's fields and the Params that fill them.
RUNTIME_FIELDS = {
    "targetVariant": "TargetVariant",
    "targetModel": "TargetModel",
    "inferenceComponentName": "InferenceComponentName",
    "customAttributes": "CustomAttributes",
    "inferenceId": "InferenceId",
}


RUNTIME_OPTION_NAMES = (*RUNTIME_FIELDS, "invocationReadTimeoutSeconds")


class RuntimeOptions(RuntimeOptionsAccessors):
    """The InvokeEndpoint options of ``transform()`` (see the module docstring)."""

    targetVariant = StageSetting(
        "targetVariant",
        "The production variant every request goes to (InvokeEndpoint.TargetVariant).",
        to_str,
        "str",
    )
    targetModel = StageSetting(
        "targetModel",
        "The model archive of a multi-model endpoint, relative to its S3 prefix "
        "(InvokeEndpoint.TargetModel).",
        to_str,
        "str",
    )
    inferenceComponentName = StageSetting(
        "inferenceComponentName",
        "The inference component of a shared endpoint (InvokeEndpoint.InferenceComponentName).",
        to_str,
        "str",
    )
    customAttributes = StageSetting(
        "customAttributes",
        "Opaque text passed to the container with every request, at most 1024 ASCII "
        "characters (InvokeEndpoint.CustomAttributes).",
        to_str,
        "str",
    )
    inferenceId = StageSetting(
        "inferenceId",
        "An id recorded with captured data for ground-truth labels, 1 to 64 characters "
        "(InvokeEndpoint.InferenceId).",
        to_str,
        "str",
    )
    invocationReadTimeoutSeconds = StageSetting(
        "invocationReadTimeoutSeconds",
        "Seconds to wait for an InvokeEndpoint answer before the request is retried "
        "(botocore's read_timeout; default 60).",
        to_float,
        "float",
    )

    def runtime_fields(self) -> dict[str, str]:
        """The set InvokeEndpoint fields, by their API names."""
        fields = {}
        for name, field in RUNTIME_FIELDS.items():
            value = _option(self, getattr(self, name))
            if value is not None:
                fields[field] = value
        return fields

    def read_timeout_seconds(self) -> float | None:
        return _option(self, self.invocationReadTimeoutSeconds)

    def check_runtime_options(self) -> None:
        """Raises ``HostingOptionError`` naming the InvokeEndpoint field the runtime would
        refuse (lengths and patterns of botocore's model)."""
        fields = self.runtime_fields()
        request = {"EndpointName": "e", "Body": b"", **fields}
        problems = request_problems("InvokeEndpoint", request, service="sagemaker-runtime")
        if problems:
            raise HostingOptionError("InvokeEndpoint: " + "; ".join(problems))
        timeout = self.read_timeout_seconds()
        if timeout is not None and not timeout > 0:
            raise HostingOptionError(
                f"InvokeEndpoint read timeout (invocationReadTimeoutSeconds): must be > 0, "
                f"got {timeout}"
            )
