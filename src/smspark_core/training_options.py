"""What production training jobs need beyond the original's settings: tags, VPC, encryption,
managed spot training with checkpoints, warm pools, retries, the container's environment and
metric definitions for custom images.

Each is a typed Spark Param named for its CreateTrainingJob field (``tags``, ``vpcConfig``,
``enableManagedSpotTraining``, ...), so it shows in ``explainParams()``, is copied and
persisted by pyspark's own Params machinery, and can be varied by a ``ParamGridBuilder``. They
are ``StageSetting``s, never hyperparameters. ``TrainingOptions.apply`` checks them together
(before any AWS call) and writes them into the request; unset ones add nothing, so the
request stays the original's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pyspark.ml.param import Param, Params, TypeConverters

from smspark_core.errors import SmsparkError

_S3_URI = re.compile(r"^(https|s3)://([^/]+)/?(.*)$")
_ENVIRONMENT_KEY = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]{0,511}$")


class TrainingOptionError(SmsparkError, ValueError):
    """A training option SageMaker would refuse; the message names the field."""


class StageSetting(Param):
    """A Param that configures the stage's AWS requests, not the algorithm: never sent as a
    hyperparameter."""

    def __init__(self, name: str, doc: str, converter: Any) -> None:
        super().__init__(Params._dummy(), name, doc, converter)


def _string_map(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise TypeError(f"expected a dict of strings, got {type(value).__name__} {value!r}")
    return {str(k): str(v) for k, v in value.items()}


def _tags(value: Any) -> list[dict[str, str]]:
    """``{"team": "ml"}`` or ``[{"Key": "team", "Value": "ml"}]``, kept as the latter."""
    if isinstance(value, Mapping):
        return [{"Key": str(k), "Value": str(v)} for k, v in value.items()]
    if isinstance(value, list | tuple) and all(
        isinstance(t, Mapping) and set(t) == {"Key", "Value"} for t in value
    ):
        return [{"Key": str(t["Key"]), "Value": str(t["Value"])} for t in value]
    raise TypeError(f"expected a dict or a list of {{'Key', 'Value'}} dicts, got {value!r}")


def _vpc_config(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, Mapping) or set(value) != {"SecurityGroupIds", "Subnets"}:
        raise TypeError(f"expected {{'SecurityGroupIds': [...], 'Subnets': [...]}}, got {value!r}")
    return {key: [str(item) for item in value[key]] for key in ("SecurityGroupIds", "Subnets")}


def _metric_definitions(value: Any) -> list[dict[str, str]]:
    """``{"loss": "loss=(\\S+)"}`` or ``[{"Name": ..., "Regex": ...}]``."""
    if isinstance(value, Mapping):
        return [{"Name": str(k), "Regex": str(v)} for k, v in value.items()]
    if isinstance(value, list | tuple) and all(
        isinstance(m, Mapping) and set(m) == {"Name", "Regex"} for m in value
    ):
        return [{"Name": str(m["Name"]), "Regex": str(m["Regex"])} for m in value]
    raise TypeError(f"expected a dict or a list of {{'Name', 'Regex'}} dicts, got {value!r}")


def _fail(field: str, problem: str) -> TrainingOptionError:
    return TrainingOptionError(f"CreateTrainingJob field {field}: {problem}")


class TrainingOptions(Params):
    """The production options of a training job (see the module docstring)."""

    tags = StageSetting("tags", "Tags of the training job (Tags); at most 50.", _tags)
    vpcConfig = StageSetting(
        "vpcConfig",
        "Subnets and security groups the training containers run in (VpcConfig).",
        _vpc_config,
    )
    enableNetworkIsolation = StageSetting(
        "enableNetworkIsolation",
        "No network access for the training container (EnableNetworkIsolation).",
        TypeConverters.toBoolean,
    )
    enableInterContainerTrafficEncryption = StageSetting(
        "enableInterContainerTrafficEncryption",
        "Encrypt traffic between training instances (EnableInterContainerTrafficEncryption).",
        TypeConverters.toBoolean,
    )
    trainingVolumeKmsKeyId = StageSetting(
        "trainingVolumeKmsKeyId",
        "KMS key of the training instances' storage volumes (ResourceConfig.VolumeKmsKeyId).",
        TypeConverters.toString,
    )
    enableManagedSpotTraining = StageSetting(
        "enableManagedSpotTraining",
        "Train on spot capacity (EnableManagedSpotTraining); needs maxWaitTimeInSeconds.",
        TypeConverters.toBoolean,
    )
    maxWaitTimeInSeconds = StageSetting(
        "maxWaitTimeInSeconds",
        "Longest wait for spot capacity plus training, in seconds, at least "
        "trainingMaxRuntimeInSeconds (StoppingCondition.MaxWaitTimeInSeconds).",
        TypeConverters.toInt,
    )
    checkpointS3Uri = StageSetting(
        "checkpointS3Uri",
        "Where checkpoints are synced to and restored from (CheckpointConfig.S3Uri).",
        TypeConverters.toString,
    )
    checkpointLocalPath = StageSetting(
        "checkpointLocalPath",
        "The container's checkpoint directory (CheckpointConfig.LocalPath; default "
        "/opt/ml/checkpoints); needs checkpointS3Uri.",
        TypeConverters.toString,
    )
    trainingEnvironment = StageSetting(
        "trainingEnvironment",
        "Environment variables of the training container (Environment); at most 100.",
        _string_map,
    )
    maximumRetryAttempts = StageSetting(
        "maximumRetryAttempts",
        "Times SageMaker retries the job after an internal error, 1 to 30 "
        "(RetryStrategy.MaximumRetryAttempts).",
        TypeConverters.toInt,
    )
    keepAlivePeriodInSeconds = StageSetting(
        "keepAlivePeriodInSeconds",
        "Keep the instances warm for the next job, 0 to 3600 seconds "
        "(ResourceConfig.KeepAlivePeriodInSeconds).",
        TypeConverters.toInt,
    )
    metricDefinitions = StageSetting(
        "metricDefinitions",
        "Metrics SageMaker reads from a custom image's log by regex "
        "(AlgorithmSpecification.MetricDefinitions); at most 40.",
        _metric_definitions,
    )

    def _option(self, param: Param) -> Any:
        return self.getOrDefault(param) if self.isDefined(param) else None

    def check_training_options(self, max_runtime_seconds: int) -> None:
        """Raises ``TrainingOptionError`` naming the field SageMaker would refuse."""
        tags = self._option(self.tags) or []
        if len(tags) > 50:
            raise _fail("Tags", f"at most 50 tags, got {len(tags)}")
        vpc = self._option(self.vpcConfig)
        if vpc is not None:
            for key, low, high in (("SecurityGroupIds", 1, 5), ("Subnets", 1, 16)):
                if not low <= len(vpc[key]) <= high:
                    raise _fail(f"VpcConfig.{key}", f"{low} to {high} ids, got {vpc[key]}")
        spot = self._option(self.enableManagedSpotTraining)
        wait = self._option(self.maxWaitTimeInSeconds)
        if spot and wait is None:
            raise _fail(
                "StoppingCondition.MaxWaitTimeInSeconds",
                "managed spot training needs it: setMaxWaitTimeInSeconds(seconds)",
            )
        if wait is not None and not spot:
            raise _fail(
                "StoppingCondition.MaxWaitTimeInSeconds",
                "only managed spot training takes it: setEnableManagedSpotTraining(True)",
            )
        if wait is not None and wait < max_runtime_seconds:
            raise _fail(
                "StoppingCondition.MaxWaitTimeInSeconds",
                f"{wait} s is less than trainingMaxRuntimeInSeconds ({max_runtime_seconds} s)",
            )
        uri = self._option(self.checkpointS3Uri)
        if uri is not None and not _S3_URI.match(uri):
            raise _fail("CheckpointConfig.S3Uri", f"expected an s3:// URI, got {uri!r}")
        if self._option(self.checkpointLocalPath) is not None and uri is None:
            raise _fail("CheckpointConfig.S3Uri", "checkpointLocalPath needs checkpointS3Uri")
        environment = self._option(self.trainingEnvironment) or {}
        if len(environment) > 100:
            raise _fail("Environment", f"at most 100 variables, got {len(environment)}")
        bad = [key for key in environment if not _ENVIRONMENT_KEY.match(key)]
        if bad:
            raise _fail("Environment", f"variable names must match [a-zA-Z_][a-zA-Z0-9_]*: {bad}")
        retries = self._option(self.maximumRetryAttempts)
        if retries is not None and not 1 <= retries <= 30:
            raise _fail("RetryStrategy.MaximumRetryAttempts", f"1 to 30, got {retries}")
        keep_alive = self._option(self.keepAlivePeriodInSeconds)
        if keep_alive is not None and not 0 <= keep_alive <= 3600:
            raise _fail("ResourceConfig.KeepAlivePeriodInSeconds", f"0 to 3600, got {keep_alive}")
        metrics = self._option(self.metricDefinitions) or []
        if len(metrics) > 40:
            raise _fail(
                "AlgorithmSpecification.MetricDefinitions", f"at most 40, got {len(metrics)}"
            )
        for metric in metrics:
            try:
                re.compile(metric["Regex"])
            except re.error as error:
                raise _fail(
                    "AlgorithmSpecification.MetricDefinitions",
                    f"metric {metric['Name']!r}: invalid regex {metric['Regex']!r} ({error})",
                ) from None

    def apply_training_options(self, request: dict[str, Any]) -> None:
        """Writes the set options into a CreateTrainingJob ``request``."""
        top_level = {
            "Tags": self.tags,
            "VpcConfig": self.vpcConfig,
            "EnableNetworkIsolation": self.enableNetworkIsolation,
            "EnableInterContainerTrafficEncryption": self.enableInterContainerTrafficEncryption,
            "EnableManagedSpotTraining": self.enableManagedSpotTraining,
            "Environment": self.trainingEnvironment,
        }
        for field, param in top_level.items():
            value = self._option(param)
            if value is not None:
                request[field] = value
        nested = {
            ("ResourceConfig", "VolumeKmsKeyId"): self.trainingVolumeKmsKeyId,
            ("ResourceConfig", "KeepAlivePeriodInSeconds"): self.keepAlivePeriodInSeconds,
            ("StoppingCondition", "MaxWaitTimeInSeconds"): self.maxWaitTimeInSeconds,
            ("CheckpointConfig", "S3Uri"): self.checkpointS3Uri,
            ("CheckpointConfig", "LocalPath"): self.checkpointLocalPath,
            ("RetryStrategy", "MaximumRetryAttempts"): self.maximumRetryAttempts,
            ("AlgorithmSpecification", "MetricDefinitions"): self.metricDefinitions,
        }
        for (section, field), param in nested.items():
            value = self._option(param)
            if value is not None:
                request.setdefault(section, {})[field] = value

    # Setters and getters, in pyspark's style (chainable setters).

    def setTags(self, value: Any) -> TrainingOptions:  # noqa: N802
        return self._set(tags=value)

    def getTags(self) -> list[dict[str, str]]:  # noqa: N802
        return self.getOrDefault(self.tags)

    def setVpcConfig(self, value: Mapping[str, list[str]]) -> TrainingOptions:  # noqa: N802
        return self._set(vpcConfig=value)

    def getVpcConfig(self) -> dict[str, list[str]]:  # noqa: N802
        return self.getOrDefault(self.vpcConfig)

    def setEnableNetworkIsolation(self, value: bool) -> TrainingOptions:  # noqa: N802
        return self._set(enableNetworkIsolation=value)

    def getEnableNetworkIsolation(self) -> bool:  # noqa: N802
        return self.getOrDefault(self.enableNetworkIsolation)

    def setEnableInterContainerTrafficEncryption(self, value: bool) -> TrainingOptions:  # noqa: N802
        return self._set(enableInterContainerTrafficEncryption=value)

    def getEnableInterContainerTrafficEncryption(self) -> bool:  # noqa: N802
        return self.getOrDefault(self.enableInterContainerTrafficEncryption)

    def setTrainingVolumeKmsKeyId(self, value: str) -> TrainingOptions:  # noqa: N802
        return self._set(trainingVolumeKmsKeyId=value)

    def getTrainingVolumeKmsKeyId(self) -> str:  # noqa: N802
        return self.getOrDefault(self.trainingVolumeKmsKeyId)

    def setEnableManagedSpotTraining(self, value: bool) -> TrainingOptions:  # noqa: N802
        return self._set(enableManagedSpotTraining=value)

    def getEnableManagedSpotTraining(self) -> bool:  # noqa: N802
        return self.getOrDefault(self.enableManagedSpotTraining)

    def setMaxWaitTimeInSeconds(self, value: int) -> TrainingOptions:  # noqa: N802
        return self._set(maxWaitTimeInSeconds=value)

    def getMaxWaitTimeInSeconds(self) -> int:  # noqa: N802
        return self.getOrDefault(self.maxWaitTimeInSeconds)

    def setCheckpointS3Uri(self, value: str) -> TrainingOptions:  # noqa: N802
        return self._set(checkpointS3Uri=value)

    def getCheckpointS3Uri(self) -> str:  # noqa: N802
        return self.getOrDefault(self.checkpointS3Uri)

    def setCheckpointLocalPath(self, value: str) -> TrainingOptions:  # noqa: N802
        return self._set(checkpointLocalPath=value)

    def getCheckpointLocalPath(self) -> str:  # noqa: N802
        return self.getOrDefault(self.checkpointLocalPath)

    def setTrainingEnvironment(self, value: Mapping[str, str]) -> TrainingOptions:  # noqa: N802
        return self._set(trainingEnvironment=value)

    def getTrainingEnvironment(self) -> dict[str, str]:  # noqa: N802
        return self.getOrDefault(self.trainingEnvironment)

    def setMaximumRetryAttempts(self, value: int) -> TrainingOptions:  # noqa: N802
        return self._set(maximumRetryAttempts=value)

    def getMaximumRetryAttempts(self) -> int:  # noqa: N802
        return self.getOrDefault(self.maximumRetryAttempts)

    def setKeepAlivePeriodInSeconds(self, value: int) -> TrainingOptions:  # noqa: N802
        return self._set(keepAlivePeriodInSeconds=value)

    def getKeepAlivePeriodInSeconds(self) -> int:  # noqa: N802
        return self.getOrDefault(self.keepAlivePeriodInSeconds)

    def setMetricDefinitions(self, value: Any) -> TrainingOptions:  # noqa: N802
        return self._set(metricDefinitions=value)

    def getMetricDefinitions(self) -> list[dict[str, str]]:  # noqa: N802
        return self.getOrDefault(self.metricDefinitions)
