"""The SageMaker control-plane operations and the runtime's InvokeEndpoint, on local state.

Resources, statuses, error codes and messages follow the real service
(``reference/algorithm_contracts.md`` §3). Times are epoch seconds, which botocore parses.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from smspark_core.aws.resources import NAME_PATTERN
from smspark_core.aws.service_model import request_problems
from smspark_local.service import hosting
from smspark_local.service.cloudwatch import CloudWatchMetrics
from smspark_local.service.endpoint_records import (
    current_config,
    failure_reason,
    mark_deployed,
    variant_summary,
)
from smspark_local.service.endpoint_updates import EndpointUpdates
from smspark_local.service.errors import ApiError, not_found, validation
from smspark_local.service.faults import Faults, SpotInterruptions
from smspark_local.service.images import ImageResolver
from smspark_local.service.logs import LogStore
from smspark_local.service.metrics import definitions_for
from smspark_local.service.model_validation import validate_request
from smspark_local.service.store import Store
from smspark_local.service.tags import Tags
from smspark_local.service.training import TrainingRun
from smspark_local.service.transform_jobs import TransformJobs

ROLE_PATTERN = re.compile(r"^arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$")
MAX_BODY_BYTES = 6 * 1024 * 1024
SERVERLESS_MAX_BODY_BYTES = 4 * 1024 * 1024
ENDPOINT_POLL_S = 0.2
# CreateTrainingJob's fields that DescribeTrainingJob gives back as they were sent; the
# others it answers are the job's own (names, statuses, times) or filled in (defaults).
ECHOED_TRAINING_FIELDS = (
    "RoleArn",
    "InputDataConfig",
    "VpcConfig",
    "CheckpointConfig",
    "RetryStrategy",
    "DebugHookConfig",
    "DebugRuleConfigurations",
    "ProfilerConfig",
    "ProfilerRuleConfigurations",
    "TensorBoardOutputConfig",
    "ExperimentConfig",
    "Environment",
    "RemoteDebugConfig",
    "InfraCheckConfig",
)


def _require(request: dict[str, Any], path: str) -> Any:
    """The value at a dotted path of the request, or a ValidationException naming it."""
    value: Any = request
    for part in path.split("."):
        if not isinstance(value, dict) or value.get(part) in (None, "", [], {}):
            raise validation(
                f"1 validation error detected: Value null at '{path}' failed to satisfy "
                "constraint: Member must not be null"
            )
        value = value[part]
    return value


def _check_name(value: str, field: str) -> str:
    if not isinstance(value, str) or not NAME_PATTERN.match(value):
        raise validation(
            f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: "
            "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"
        )
    return value


class SageMakerApi:
    """All local SageMaker state and behaviour, independent of HTTP."""

    def __init__(
        self,
        root: Path,
        s3: Any,
        resolver: ImageResolver,
        region: str,
        account: str,
        ping_timeout: float = hosting.PING_TIMEOUT_S,
        routing_seed: int | None = 0,
    ) -> None:
        self.root, self.s3, self.resolver = root, s3, resolver
        self.region, self.account, self.ping_timeout = region, account, ping_timeout
        self.routing_seed = routing_seed  # seeds each endpoint's split of traffic by weight
        self.store = Store(root)
        self.tags = Tags(self.store)
        self.logs = LogStore(root / "logs", region, account)
        self.runs: dict[str, TrainingRun] = {}
        self.endpoints: dict[str, hosting.Endpoint] = {}
        self.faults: dict[str, Faults] = {}  # by endpoint name, or model name (transform jobs)
        self.spot_interruptions: SpotInterruptions | None = None  # for spot jobs created now
        self.transform_jobs = TransformJobs(self)
        self.updates = EndpointUpdates(self)
        self.cloudwatch = CloudWatchMetrics(root / "jobs")
        self._closing = threading.Event()
        self._supervisor = threading.Thread(
            target=self._supervise, name="endpoint-supervisor", daemon=True
        )

    def arn(self, kind: str, name: str) -> str:
        return f"arn:aws:sagemaker:{self.region}:{self.account}:{kind}/{name.lower()}"

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> None:
        """Resumes saved state: unfinished jobs are marked Failed, endpoints restarted."""
        for job in self.store.all("training_jobs"):
            if job["TrainingJobStatus"] in ("InProgress", "Stopping"):
                self.store.update(
                    "training_jobs",
                    job["TrainingJobName"],
                    TrainingJobStatus="Failed",
                    SecondaryStatus="Failed",
                    TrainingEndTime=time.time(),
                    FailureReason=(
                        "InternalServerError: the local backend stopped while the job ran"
                    ),
                )
        for endpoint in self.store.all("endpoints"):
            if endpoint["EndpointStatus"] == "Updating":  # an update cut short rolls back
                self.store.update("endpoints", endpoint["EndpointName"], EndpointStatus="InService")
            if endpoint["EndpointStatus"] in ("InService", "Creating"):
                self._begin_endpoint(endpoint["EndpointName"])
            elif endpoint["EndpointStatus"] == "Deleting":
                self.store.delete("endpoints", endpoint["EndpointName"])
        self.transform_jobs.resume()
        self._supervisor.start()

    def close(self) -> None:
        self._closing.set()
        for run in list(self.runs.values()):
            run.stop()
        for run in list(self.runs.values()):
            run.thread.join(timeout=15)
        self.transform_jobs.close()
        for endpoint in list(self.endpoints.values()):
            endpoint.stop()

    def _supervise(self) -> None:
        while not self._closing.wait(ENDPOINT_POLL_S):
            for endpoint in list(self.endpoints.values()):
                for variant in endpoint.variants.values():
                    variant.supervise(self.ping_timeout)

    def operations(self) -> dict[str, Callable[[dict], dict]]:
        """Each operation, validated first against botocore's model of its input and the
        service's own rules (``smspark_local.service.model_validation``; the transform job
        operations validate their requests themselves)."""
        own = {
            name: getattr(self, name)
            for name in (
                "CreateTrainingJob",
                "DescribeTrainingJob",
                "StopTrainingJob",
                "ListTrainingJobs",
                "CreateModel",
                "DescribeModel",
                "DeleteModel",
                "ListModels",
                "CreateEndpointConfig",
                "DescribeEndpointConfig",
                "DeleteEndpointConfig",
                "ListEndpointConfigs",
                "CreateEndpoint",
                "DescribeEndpoint",
                "DeleteEndpoint",
                "ListEndpoints",
            )
        } | self.tags.operations()
        validated = {name: _validated(name, operation) for name, operation in own.items()}
        return self.transform_jobs.operations() | self.updates.operations() | validated

    # ----------------------------------------------------------------- training

    def CreateTrainingJob(self, request: dict) -> dict:  # noqa: N802 - the API's names
        name = _check_name(_require(request, "TrainingJobName"), "trainingJobName")
        role = _require(request, "RoleArn")
        if not ROLE_PATTERN.match(role):
            raise validation(
                f"1 validation error detected: Value '{role}' at 'roleArn' failed to satisfy "
                "constraint: Member must satisfy regular expression pattern: "
                "^arn:aws[a-z\\-]*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+$"
            )
        output = _require(request, "OutputDataConfig.S3OutputPath")
        image = _require(request, "AlgorithmSpecification.TrainingImage")
        for channel in request.get("InputDataConfig", []):
            _require(channel, "ChannelName")
            _require(channel, "DataSource.S3DataSource.S3Uri")
        algorithm = {
            "TrainingInputMode": "File",
            **request["AlgorithmSpecification"],
            "TrainingImage": image,
        }
        try:
            spec = self.resolver.resolve(image)
        except LookupError:
            spec = None  # the job fails when it starts, naming the images known
        definitions = definitions_for(algorithm.get("MetricDefinitions"), spec)
        if definitions:
            algorithm["MetricDefinitions"] = definitions
        arn = self.arn("training-job", name)
        now = time.time()
        with self.store.lock:
            if self.store.get("training_jobs", name):
                raise ApiError(
                    "ResourceInUse",
                    "Training job names must be unique within an AWS account and region, and "
                    f"a training job with this name already exists ({arn})",
                )
            job = {
                # What the service echoes of the request as sent (VpcConfig, CheckpointConfig,
                # RetryStrategy, DebugHookConfig, ProfilerConfig, Environment, ...).
                **{k: v for k, v in request.items() if k in ECHOED_TRAINING_FIELDS},
                "TrainingJobName": name,
                "TrainingJobArn": arn,
                "ModelArtifacts": {
                    "S3ModelArtifacts": f"{output.rstrip('/')}/{name}/output/model.tar.gz"
                },
                "TrainingJobStatus": "InProgress",
                "SecondaryStatus": "Starting",
                "HyperParameters": {
                    k: str(v) for k, v in request.get("HyperParameters", {}).items()
                },
                "AlgorithmSpecification": algorithm,
                # The service answers KmsKeyId "" when none was given (the SDK reads it).
                "OutputDataConfig": {"KmsKeyId": "", **request["OutputDataConfig"]},
                "ResourceConfig": request.get(
                    "ResourceConfig",
                    {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
                ),
                "StoppingCondition": request.get(
                    "StoppingCondition", {"MaxRuntimeInSeconds": 86400}
                ),
                "CreationTime": now,
                "LastModifiedTime": now,
                "SecondaryStatusTransitions": [],
                "EnableNetworkIsolation": request.get("EnableNetworkIsolation", False),
                "EnableInterContainerTrafficEncryption": request.get(
                    "EnableInterContainerTrafficEncryption", False
                ),
                "EnableManagedSpotTraining": request.get("EnableManagedSpotTraining", False),
            }
            self.tags.created(arn, request.get("Tags"))
            self.store.put("training_jobs", name, job)
        run = TrainingRun(
            name,
            self.store,
            self.logs,
            self.resolver,
            self.s3,
            self.root / "jobs" / name,
            self.spot_interruptions,
        )
        self.runs[name] = run
        run.start()
        return {"TrainingJobArn": arn}

    def _job(self, request: dict) -> dict:
        name = _require(request, "TrainingJobName")
        job = self.store.get("training_jobs", name)
        if job is None:
            raise validation("Requested resource not found.")
        return job

    def DescribeTrainingJob(self, request: dict) -> dict:  # noqa: N802
        with self.store.lock:
            return json.loads(json.dumps(self._job(request)))

    def StopTrainingJob(self, request: dict) -> dict:  # noqa: N802
        job = self._job(request)
        if job["TrainingJobStatus"] != "InProgress":
            raise validation(
                f"The request was rejected because the training job is in status "
                f"{job['TrainingJobStatus']}."
            )
        run = self.runs.get(job["TrainingJobName"])
        if run is not None:
            run.stop()
        return {}

    def ListTrainingJobs(self, request: dict) -> dict:  # noqa: N802
        jobs = _listed(
            self.store.all("training_jobs"),
            request,
            "TrainingJobName",
            status_key="TrainingJobStatus",
            sort_keys={"Name": "TrainingJobName", "Status": "TrainingJobStatus"},
        )
        summaries = [
            _summary(
                j,
                "TrainingJobName",
                "TrainingJobArn",
                "CreationTime",
                "LastModifiedTime",
                "TrainingJobStatus",
                "TrainingEndTime",
            )
            for j in jobs
        ]
        return _page(summaries, request, "TrainingJobSummaries")

    # ----------------------------------------------------------------- models

    def CreateModel(self, request: dict) -> dict:  # noqa: N802
        name = _check_name(_require(request, "ModelName"), "modelName")
        container = request.get("PrimaryContainer") or (request.get("Containers") or [None])[0]
        if not container or not container.get("Image"):
            raise validation(
                "1 validation error detected: Value null at 'primaryContainer.image' failed to "
                "satisfy constraint: Member must not be null"
            )
        arn = self.arn("model", name)
        with self.store.lock:
            if self.store.get("models", name):
                raise validation(f'Cannot create already existing model "{arn}".')
            model = {
                "ModelName": name,
                "PrimaryContainer": container,
                "CreationTime": time.time(),
                "ModelArn": arn,
                "EnableNetworkIsolation": request.get("EnableNetworkIsolation", False),
            }
            for field in ("ExecutionRoleArn", "VpcConfig"):
                if request.get(field):
                    model[field] = request[field]
            self.tags.created(arn, request.get("Tags"))
            self.store.put("models", name, model)
        return {"ModelArn": arn}

    def _model(self, request: dict) -> dict:
        name = _require(request, "ModelName")
        model = self.store.get("models", name)
        if model is None:
            raise not_found("model", self.arn("model", name))
        return model

    def DescribeModel(self, request: dict) -> dict:  # noqa: N802
        return dict(self._model(request))

    def DeleteModel(self, request: dict) -> dict:  # noqa: N802
        model = self._model(request)
        self.store.delete("models", model["ModelName"])
        self.tags.deleted(model["ModelArn"])
        return {}

    def ListModels(self, request: dict) -> dict:  # noqa: N802
        models = _listed(
            self.store.all("models"), request, "ModelName", sort_keys={"Name": "ModelName"}
        )
        summaries = [_summary(m, "ModelName", "ModelArn", "CreationTime") for m in models]
        return _page(summaries, request, "Models")

    # ----------------------------------------------------------------- endpoint configs

    def CreateEndpointConfig(self, request: dict) -> dict:  # noqa: N802
        name = _check_name(_require(request, "EndpointConfigName"), "endpointConfigName")
        variants = _require(request, "ProductionVariants")
        if not 1 <= len(variants) <= 10:
            raise validation("ProductionVariants must hold between 1 and 10 variants")
        for index, variant in enumerate(variants, start=1):
            _check_name(
                _require(variant, "VariantName"), f"productionVariants.{index}.member.variantName"
            )
            model = _require(variant, "ModelName")
            if not self.store.get("models", model):
                raise not_found("model", self.arn("model", model))
            serverless, instances = "ServerlessConfig" in variant, "InstanceType" in variant
            if serverless == instances:
                raise validation(
                    f"Production variant {variant['VariantName']} must give either "
                    "ServerlessConfig or InstanceType and InitialInstanceCount, not "
                    + ("both." if serverless else "neither.")
                )
            if int(variant.get("InitialInstanceCount", 1)) < 1:
                raise validation(
                    f"1 validation error detected: Value '{variant['InitialInstanceCount']}' at "
                    f"'productionVariants.{index}.member.initialInstanceCount' failed to satisfy "
                    "constraint: Member must have value greater than or equal to 1"
                )
        arn = self.arn("endpoint-config", name)
        with self.store.lock:
            if self.store.get("endpoint_configs", name):
                raise validation(f'Cannot create already existing endpoint configuration "{arn}".')
            config = {
                "EndpointConfigName": name,
                "EndpointConfigArn": arn,
                "ProductionVariants": variants,
                "CreationTime": time.time(),
            }
            for field in ("KmsKeyId", "DataCaptureConfig"):
                if request.get(field):
                    config[field] = request[field]
            self.tags.created(arn, request.get("Tags"))
            self.store.put("endpoint_configs", name, config)
        return {"EndpointConfigArn": arn}

    def _config(self, name: str) -> dict:
        config = self.store.get("endpoint_configs", name)
        if config is None:
            raise not_found("endpoint configuration", self.arn("endpoint-config", name))
        return config

    def DescribeEndpointConfig(self, request: dict) -> dict:  # noqa: N802
        return dict(self._config(_require(request, "EndpointConfigName")))

    def DeleteEndpointConfig(self, request: dict) -> dict:  # noqa: N802
        config = self._config(_require(request, "EndpointConfigName"))
        self.store.delete("endpoint_configs", config["EndpointConfigName"])
        self.tags.deleted(config["EndpointConfigArn"])
        return {}

    def ListEndpointConfigs(self, request: dict) -> dict:  # noqa: N802
        configs = _listed(
            self.store.all("endpoint_configs"),
            request,
            "EndpointConfigName",
            sort_keys={"Name": "EndpointConfigName"},
        )
        summaries = [
            _summary(c, "EndpointConfigName", "EndpointConfigArn", "CreationTime") for c in configs
        ]
        return _page(summaries, request, "EndpointConfigs")

    # ----------------------------------------------------------------- endpoints

    def CreateEndpoint(self, request: dict) -> dict:  # noqa: N802
        name = _check_name(_require(request, "EndpointName"), "endpointName")
        config = self._config(_require(request, "EndpointConfigName"))
        arn = self.arn("endpoint", name)
        now = time.time()
        with self.store.lock:
            if self.store.get("endpoints", name):
                raise validation(f'Cannot create already existing endpoint "{arn}".')
            self.tags.created(arn, request.get("Tags"))
            self.store.put(
                "endpoints",
                name,
                {
                    "EndpointName": name,
                    "EndpointArn": arn,
                    "EndpointConfigName": config["EndpointConfigName"],
                    "ProductionVariants": [
                        variant_summary(v) for v in config["ProductionVariants"]
                    ],
                    "EndpointStatus": "Creating",
                    "CreationTime": now,
                    "LastModifiedTime": now,
                    "_config": config,
                    "_models": {
                        v["ModelName"]: self.store.get("models", v["ModelName"])
                        for v in config["ProductionVariants"]
                    },
                },
            )
        self._begin_endpoint(name)
        return {"EndpointArn": arn}

    def endpoint_root(self, name: str, generation: int = 0) -> Path:
        """Where an endpoint's variants keep their models: each UpdateEndpoint starts the
        new configuration in a directory of its own (endpoint names hold no dots)."""
        base = self.root / "endpoints"
        return base / name if generation == 0 else base / f"{name}.{generation}"

    def _begin_endpoint(self, name: str) -> None:
        record = self.store.get("endpoints", name)
        assert record is not None  # stored before it is hosted
        endpoint = hosting.Endpoint(
            name, self.endpoint_root(name, record.get("_generation", 0)), self.routing_seed
        )
        self.endpoints[name] = endpoint
        self.faults.setdefault(name, Faults())
        threading.Thread(
            target=self._host, args=(endpoint,), name=f"endpoint-{name}", daemon=True
        ).start()

    def start_variants(self, endpoint: hosting.Endpoint, config: dict, models: dict) -> None:
        endpoint.create(config, models, self.resolver, self.s3, self.logs, self.ping_timeout)

    def _host(self, endpoint: hosting.Endpoint) -> None:
        record = self.store.get("endpoints", endpoint.name)
        assert record is not None  # stored before its hosting thread starts
        try:
            # A reopened backend restarts the variants with their current weights and counts.
            self.start_variants(endpoint, current_config(record), record["_models"])
        except Exception as error:
            endpoint.stop()
            self.store.update(
                "endpoints",
                endpoint.name,
                EndpointStatus="Failed",
                FailureReason=failure_reason(error),
                LastModifiedTime=time.time(),
            )
            return
        now = time.time()
        with self.store.lock:
            current = self.store.get("endpoints", endpoint.name)
            if current is None or current["EndpointStatus"] != "Creating":
                return
            mark_deployed(current["ProductionVariants"], current["_config"], current["_models"])
            self.store.update(
                "endpoints", endpoint.name, EndpointStatus="InService", LastModifiedTime=now
            )

    def _endpoint(self, request: dict) -> dict:
        name = _require(request, "EndpointName")
        endpoint = self.store.get("endpoints", name)
        if endpoint is None:
            raise not_found("endpoint", self.arn("endpoint", name))
        return endpoint

    def DescribeEndpoint(self, request: dict) -> dict:  # noqa: N802
        with self.store.lock:
            record = json.loads(json.dumps(self._endpoint(request)))
        return {k: v for k, v in record.items() if not k.startswith("_")}

    def DeleteEndpoint(self, request: dict) -> dict:  # noqa: N802
        """Refused while the endpoint is being created or updated, as the service refuses
        it (ValidationException ``Cannot update in-progress endpoint "<arn>".``): it can be
        deleted once it is InService or Failed."""
        with self.store.lock:
            endpoint = self._endpoint(request)
            name = endpoint["EndpointName"]
            if endpoint["EndpointStatus"] in ("Creating", "Updating"):
                raise validation(f'Cannot update in-progress endpoint "{endpoint["EndpointArn"]}".')
            self.store.update(
                "endpoints", name, EndpointStatus="Deleting", LastModifiedTime=time.time()
            )
        threading.Thread(target=self._delete_endpoint, args=(name,), daemon=True).start()
        return {}

    def _delete_endpoint(self, name: str) -> None:
        endpoint = self.endpoints.pop(name, None)
        if endpoint is not None:
            endpoint.stop()
            endpoint.remove_files()
        self.faults.pop(name, None)
        self.tags.deleted(self.arn("endpoint", name))
        self.store.delete("endpoints", name)

    def ListEndpoints(self, request: dict) -> dict:  # noqa: N802
        endpoints = _listed(
            self.store.all("endpoints"),
            request,
            "EndpointName",
            status_key="EndpointStatus",
            sort_keys={"Name": "EndpointName"},
        )
        summaries = [
            _summary(
                e,
                "EndpointName",
                "EndpointArn",
                "CreationTime",
                "LastModifiedTime",
                "EndpointStatus",
            )
            for e in endpoints
        ]
        return _page(summaries, request, "Endpoints")

    # ----------------------------------------------------------------- runtime

    def invoke(
        self,
        name: str,
        body: bytes,
        content_type: str | None,
        accept: str | None,
        fields: dict[str, str] | None = None,
    ) -> tuple[int, dict, bytes]:
        """InvokeEndpoint: (HTTP status, headers, body), errors as the runtime answers them.
        ``fields`` are the optional request fields (TargetVariant, CustomAttributes, ...),
        checked against botocore's model; CustomAttributes goes to the container and its
        answer's comes back."""
        fields = fields or {}
        problems = request_problems(
            "InvokeEndpoint",
            {"EndpointName": name, "Body": body, **fields},
            service="sagemaker-runtime",
        )
        if problems:
            count = len(problems)
            raise ApiError(
                "ValidationError",
                f"{count} validation error{'s' if count > 1 else ''} detected: "
                + "; ".join(problems),
            )
        record = self.store.get("endpoints", name)
        if record is None:
            raise ApiError(
                "ValidationError", f"Endpoint {name} of account {self.account} not found."
            )
        # An endpoint being updated keeps serving (from its old servers until the switch).
        if record["EndpointStatus"] not in ("InService", "Updating") or name not in self.endpoints:
            raise ApiError(
                "ValidationError",
                f"Endpoint {name} of account {self.account} is not in service "
                f"(status {record['EndpointStatus']}).",
            )
        endpoint = self.endpoints[name]
        # Neither inference components nor multi-container endpoints exist here: saying so
        # beats serving the request from a model the caller did not ask for.
        for unsupported, what in (
            ("InferenceComponentName", "inference components (CreateInferenceComponent)"),
            ("TargetContainerHostname", "multi-container endpoints with Direct invocation"),
        ):
            if unsupported in fields:
                raise ApiError(
                    "ValidationError",
                    f"{unsupported} is not supported: endpoint {name} has no {what}; "
                    "the local backend does not implement them.",
                )
        target = fields.get("TargetVariant")
        if target is not None and target not in endpoint.variants:
            raise ApiError(
                "ValidationError",
                f'The variant(s) "[{target}]" is/are not present on endpoint {name}.',
            )
        variant = endpoint.variants[target] if target else endpoint.pick_variant()
        target_model = fields.get("TargetModel")
        if target_model is not None and variant.archives is None:
            raise ApiError(
                "ValidationError",
                f"TargetModel is only for multi-model endpoints: the model of variant "
                f"{variant.name} of endpoint {name} is not in Mode MultiModel.",
            )
        if target_model is None and variant.archives is not None:
            raise ApiError(
                "ValidationError",
                f"Endpoint {name} is a multi-model endpoint (variant {variant.name}): "
                "the request needs a TargetModel, the path of a model archive under the "
                "model's ModelDataUrl.",
            )
        serverless = endpoint.serverless.get(variant.name, False)
        limit = SERVERLESS_MAX_BODY_BYTES if serverless else MAX_BODY_BYTES
        if len(body) > limit:
            raise ApiError("413", f"HTTP content length exceeded {limit} bytes.", 413)
        faults = self.faults.get(name)
        if faults is not None:
            if faults.delay_in_front:
                time.sleep(faults.delay_in_front)
            decision = faults.decide()
            if decision == "throttle":
                raise ApiError("ThrottlingException", "Rate exceeded", 400)
            if decision == "error":
                if faults.error_status == 500:
                    raise ApiError("InternalFailure", "An internal failure occurred.", 500)
                raise ApiError("ServiceUnavailable", "The service is unavailable.", 503)
        headers = {"Content-Type": content_type or "application/octet-stream"}
        if accept:
            headers["Accept"] = accept
        if "CustomAttributes" in fields:
            headers[hosting.CUSTOM_ATTRIBUTES_HEADER] = fields["CustomAttributes"]
        try:
            status, payload, response_type, attributes = variant.invoke(
                body,
                headers,
                capacity=faults.instance_capacity if faults else 0,
                service_seconds=faults.service_seconds if faults else 0.0,
                target_model=target_model,
            )
        except hosting.ModelServerUnavailable as error:
            raise ApiError("ServiceUnavailable", f"{error}; retry the request.", 503) from None
        if status >= 400:
            kind = "client" if status < 500 else "server"
            message = payload.decode("utf-8", "replace")
            stream = (
                f"arn:aws:logs:{self.region}:{self.account}:log-group:"
                f"/aws/sagemaker/Endpoints/{name}"
            )
            model_error = ApiError(
                "ModelError",
                f'Received {kind} error ({status}) from primary with message "{message}". '
                f"See {stream} in account {self.account} for more information.",
                424,
            )
            model_error.extra = {
                "OriginalStatusCode": status,
                "OriginalMessage": message,
                "LogStreamArn": stream,
            }
            raise model_error
        answer = {"Content-Type": response_type, "x-Amzn-Invoked-Production-Variant": variant.name}
        if attributes is not None:
            answer[hosting.CUSTOM_ATTRIBUTES_HEADER] = attributes
        return 200, answer, payload


def _validated(name: str, operation: Callable[[dict], dict]) -> Callable[[dict], dict]:
    def checked(request: dict) -> dict:
        validate_request(name, request)
        return operation(request)

    return checked


def _listed(
    records: list[dict],
    request: dict,
    name_key: str,
    *,
    status_key: str | None = None,
    sort_keys: dict[str, str],
) -> list[dict]:
    """The List operations' filters (NameContains, StatusEquals, Creation/LastModified time
    before/after) and order (SortBy, default CreationTime; SortOrder, default Descending)."""
    if request.get("NameContains"):
        records = [r for r in records if request["NameContains"] in r[name_key]]
    if status_key and request.get("StatusEquals"):
        records = [r for r in records if r[status_key] == request["StatusEquals"]]
    for field, key, keep in (
        ("CreationTimeBefore", "CreationTime", lambda t, limit: t < limit),
        ("CreationTimeAfter", "CreationTime", lambda t, limit: t > limit),
        ("LastModifiedTimeBefore", "LastModifiedTime", lambda t, limit: t < limit),
        ("LastModifiedTimeAfter", "LastModifiedTime", lambda t, limit: t > limit),
    ):
        if request.get(field) is not None:
            limit = float(request[field])
            records = [r for r in records if keep(float(r.get(key, r["CreationTime"])), limit)]
    key = sort_keys.get(request.get("SortBy", ""), "CreationTime")
    return sorted(
        records,
        key=lambda r: r[key],
        reverse=request.get("SortOrder", "Descending") == "Descending",
    )


def _summary(record: dict, *keys: str) -> dict:
    return {k: record[k] for k in keys if k in record}


def _page(items: list[dict], request: dict, key: str) -> dict:
    """One page of a List answer; a NextToken this backend did not hand out is refused as
    the service refuses it (ValidationException), never a 500 that clients retry."""
    token = request.get("NextToken")
    if token is None or token == "":
        start = 0
    elif isinstance(token, str) and token.isdigit() and int(token) <= len(items):
        start = int(token)
    else:
        raise validation(f"Invalid pagination token: '{token}'.")
    limit = int(request.get("MaxResults") or 10)
    result: dict[str, Any] = {key: items[start : start + limit]}
    if start + limit < len(items):
        result["NextToken"] = str(start + limit)
    return result
