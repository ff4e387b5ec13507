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

from pyspark.ml.param import Param

from smspark_core.aws._accessors import TrainingOptionsAccessors
from smspark_core.aws.resources import S3_URI_FIELD
from smspark_core.aws.setting import (
    StageSetting,
    string_map,
    tag_list,
    to_bool,
    to_int,
    to_str,
    vpc_config,
)
from smspark_core.foundation.errors import SmsparkError

_ENVIRONMENT_KEY = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]{0,511}$")


class TrainingOptionError(SmsparkError, ValueError):
    """A training option SageMaker would refuse; the message names the field."""


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


class TrainingOptions(TrainingOptionsAccessors):
    """The production options of a training job (see the module docstring)."""

    tags = StageSetting(
        "tags", "Tags of the training job (Tags); at most 50.", tag_list, "list[dict[str, str]]"
    )
    vpcConfig = StageSetting(
        "vpcConfig",
        "Subnets and security groups the training containers run in (VpcConfig).",
        vpc_config,
        "dict[str, list[str]]",
    )
    enableNetworkIsolation = StageSetting(
        "enableNetworkIsolation",
        "No network access for the training container (EnableNetworkIsolation).",
        to_bool,
        "bool",
    )
    enableInterContainerTrafficEncryption = StageSetting(
        "enableInterContainerTrafficEncryption",
        "Encrypt traffic between training instances (EnableInterContainerTrafficEncryption).",
        to_bool,
        "bool",
    )
    trainingVolumeKmsKeyId = StageSetting(
        "trainingVolumeKmsKeyId",
        "KMS key of the training instances' storage volumes (ResourceConfig.VolumeKmsKeyId).",
        to_str,
        "str",
    )
    enableManagedSpotTraining = StageSetting(
        "enableManagedSpotTraining",
        "Train on spot capacity (EnableManagedSpotTraining); needs maxWaitTimeInSeconds.",
        to_bool,
        "bool",
    )
    maxWaitTimeInSeconds = StageSetting(
        "maxWaitTimeInSeconds",
        "Longest wait for spot capacity plus training, in seconds, at least "
        "trainingMaxRuntimeInSeconds (StoppingCondition.MaxWaitTimeInSeconds).",
        to_int,
        "int",
    )
    checkpointS3Uri = StageSetting(
        "checkpointS3Uri",
        "Where checkpoints are synced to and restored from (CheckpointConfig.S3Uri).",
        to_str,
        "str",
    )
    checkpointLocalPath = StageSetting(
        "checkpointLocalPath",
        "The container's checkpoint directory (CheckpointConfig.LocalPath; default "
        "/opt/ml/checkpoints); needs checkpointS3Uri.",
        to_str,
        "str",
    )
    trainingEnvironment = StageSetting(
        "trainingEnvironment",
        "Environment variables of the training container (Environment); at most 100.",
        string_map,
        "dict[str, str]",
    )
    maximumRetryAttempts = StageSetting(
        "maximumRetryAttempts",
        "Times SageMaker retries the job after an internal error, 1 to 30 "
        "(RetryStrategy.MaximumRetryAttempts).",
        to_int,
        "int",
    )
    keepAlivePeriodInSeconds = StageSetting(
        "keepAlivePeriodInSeconds",
        "Keep the instances warm for the next job, 0 to 3600 seconds "
        "(ResourceConfig.KeepAlivePeriodInSeconds).",
        to_int,
        "int",
    )
    metricDefinitions = StageSetting(
        "metricDefinitions",
        "Metrics SageMaker reads from a custom image's log by regex "
        "(AlgorithmSpecification.MetricDefinitions); at most 40.",
        _metric_definitions,
        "list[dict[str, str]]",
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
        if uri is not None and not S3_URI_FIELD.match(uri):
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
