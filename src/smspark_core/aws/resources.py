"""The small value types of SageMaker Spark, with the original's names: where data lives
(S3 paths), which role SageMaker assumes, how resources are named, when endpoints are
created, what was created and how it is cleaned up.

Differences from the original: names are checked against SageMaker's pattern and
63-character limit when a policy is made, not rejected later by the service; the role read
from Spark conf really is read; cleanup treats only "not found" as already gone (the original
also skipped AccessDenied and other errors silently).
"""

from __future__ import annotations

import enum
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

from botocore.exceptions import ClientError

from smspark_core.aws.jobs import call_with_backoff
from smspark_core.foundation.errors import SmsparkError
from smspark_core.foundation.keywords import keyword_aliases

ROLE_CONFIG_KEY = "com.amazonaws.services.sagemaker.sparksdk.sagemakerrole"
BUCKET_CONFIG_KEY = "com.amazonaws.services.sagemaker.sparksdk.s3-data-bucket"
NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
# The pattern SageMaker's API gives its S3 URI fields (CheckpointConfig.S3Uri,
# DataCaptureConfig.DestinationS3Uri, ...), as botocore's model states it.
S3_URI_FIELD = re.compile(r"^(https|s3)://([^/]+)/?(.*)$")


# ------------------------------------------------------------------------------ S3 paths


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """(bucket, key) of ``s3://bucket/key`` (``s3a://`` and ``s3n://`` too), the key as
    written without its leading slash: the one S3 URI parser of smspark (and of its local
    backend). Another scheme, or no bucket, is a ``ValueError`` naming the URI."""
    parsed = urlparse(uri)
    if not parsed.scheme.startswith("s3"):
        raise ValueError(f"Invalid scheme: {parsed.scheme or '(none)'} in {uri!r}; expected s3://")
    if not parsed.netloc:
        raise ValueError(f"S3 URI {uri!r} has no bucket; expected s3://bucket/prefix")
    return parsed.netloc, parsed.path.removeprefix("/")


def split_s3_uri(uri: str) -> tuple[str, str]:
    """(bucket, prefix without surrounding slashes) of ``s3://bucket/prefix``."""
    bucket, key = parse_s3_uri(uri)
    return bucket, key.strip("/")


class S3Resource:
    """Where SageMaker reads or writes data: an explicit path, one from Spark conf, or a
    bucket created on demand (the original's common base of the three)."""


@dataclass(frozen=True)
class S3DataPath(S3Resource):
    """``s3://<bucket>/<objectPath>``, used verbatim (no normalisation, as the original)."""

    bucket: str
    objectPath: str

    def to_s3_uri(self) -> str:
        return f"s3://{self.bucket}/{self.objectPath}"

    toS3UriString = to_s3_uri

    @classmethod
    def from_s3_uri(cls, uri: str) -> S3DataPath:
        """Parses ``s3://``, ``s3a://`` or ``s3n://`` URIs; any other scheme is an error."""
        return cls(*parse_s3_uri(uri))

    fromS3URI = from_s3_uri


@dataclass(frozen=True)
class S3PathFromConfig(S3Resource):
    """An S3 location read from Spark conf at fit time."""

    configKey: str = BUCKET_CONFIG_KEY


@dataclass(frozen=True)
class S3AutoCreatePath(S3Resource):
    """A bucket ``<account>-sagemaker-<region>`` created at fit time if it does not exist."""


# ------------------------------------------------------------------------------ IAM role


class IAMRoleResource:
    """The IAM role SageMaker assumes: given, or read from Spark conf (the original's common
    base of the two)."""

    def resolve(self, conf: Any) -> str:
        """The role ARN, given the session's conf."""
        raise NotImplementedError


@dataclass(frozen=True)
class IAMRole(IAMRoleResource):
    """An IAM role ARN (or name) SageMaker assumes, used verbatim."""

    role: str

    def resolve(self, conf: Any = None) -> str:
        return self.role


@dataclass(frozen=True)
class IAMRoleFromConfig(IAMRoleResource):
    """The role ARN read from Spark conf (``configKey``) when it is needed."""

    configKey: str = ROLE_CONFIG_KEY

    def resolve(self, conf: Any) -> str:
        """Reads the role from a SparkConf (or ``spark.conf``); a missing key is an error."""
        value = conf.get(self.configKey, None)
        if not value:
            raise SmsparkError(
                f"no IAM role in the Spark conf key {self.configKey!r}; set it (for example "
                f"--conf {self.configKey}=arn:aws:iam::<account>:role/<name>) or pass "
                "sagemakerRole=IAMRole(...)"
            )
        return value


# ------------------------------------------------------------------------------ names


def _timestamp() -> str:
    """``LocalDateTime.now()`` in ISO form with ':' and '.' replaced by '-' (as the original;
    trailing zeros of the fraction dropped)."""
    now = datetime.now()
    text = now.strftime("%Y-%m-%dT%H-%M-%S")
    fraction = f"{now.microsecond:06d}".rstrip("0")
    return f"{text}-{fraction}" if fraction else text


def check_name(name: str, kind: str) -> str:
    """SageMaker's name rule: 1 to 63 letters, digits and hyphens, not starting or ending
    with a hyphen."""
    if len(name) > 63 or not NAME_PATTERN.match(name):
        raise ValueError(
            f"{kind} {name!r} is not a valid SageMaker name: 1 to 63 characters of letters, "
            "digits and hyphens, starting and ending with a letter or digit "
            f"(it has {len(name)})"
        )
    return name


class NamePolicy:
    """The four resource names of one fit: fixed when the policy is made."""

    def __init__(
        self, trainingJobName: str, modelName: str, endpointConfigName: str, endpointName: str
    ) -> None:
        self.trainingJobName = check_name(trainingJobName, "training job name")
        self.modelName = check_name(modelName, "model name")
        self.endpointConfigName = check_name(endpointConfigName, "endpoint config name")
        self.endpointName = check_name(endpointName, "endpoint name")

    def names(self) -> tuple[str, str, str, str]:
        return (self.trainingJobName, self.modelName, self.endpointConfigName, self.endpointName)

    def __eq__(self, other: object) -> bool:
        """Policies are equal when they name the same resources, however the names came."""
        return isinstance(other, NamePolicy) and self.names() == other.names()

    def __hash__(self) -> int:
        return hash(self.names())

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(trainingJobName={self.trainingJobName!r}, modelName="
            f"{self.modelName!r}, endpointConfigName={self.endpointConfigName!r}, "
            f"endpointName={self.endpointName!r})"
        )


class RandomNamePolicy(NamePolicy):
    """``<prefix>trainingJob-<12 hex>-<timestamp>`` and likewise for the other three."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        uid, stamp = uuid.uuid4().hex[-12:], _timestamp()
        # The longest name must fit SageMaker's 63 characters: drop fraction digits of the
        # timestamp first (the random uid already makes the name unique). The original
        # did not, so a prefix like its README's "sparksm-3p-" failed on the service.
        room = 63 - len(f"{prefix}endpointConfig-{uid}-")
        if len(stamp) > room:
            stamp = stamp[: max(room, len("2026-01-01T00-00-00"))].rstrip("-")
        super().__init__(
            f"{prefix}trainingJob-{uid}-{stamp}",
            f"{prefix}model-{uid}-{stamp}",
            f"{prefix}endpointConfig-{uid}-{stamp}",
            f"{prefix}endpoint-{uid}-{stamp}",
        )


class CustomNamePolicy(NamePolicy):
    """The four names as given."""


class CustomNamePolicyWithTimeStampSuffix(NamePolicy):
    """Each given name followed by ``-<timestamp>``."""

    def __init__(
        self, trainingJobName: str, modelName: str, endpointConfigName: str, endpointName: str
    ) -> None:
        stamp = _timestamp()
        super().__init__(
            f"{trainingJobName}-{stamp}",
            f"{modelName}-{stamp}",
            f"{endpointConfigName}-{stamp}",
            f"{endpointName}-{stamp}",
        )


class NamePolicyFactory:
    """Makes a new NamePolicy for each fit."""

    def create_name_policy(self) -> NamePolicy:
        raise NotImplementedError

    def createNamePolicy(self) -> NamePolicy:  # noqa: N802 - the original's name
        return self.create_name_policy()


@dataclass
class RandomNamePolicyFactory(NamePolicyFactory):
    prefix: str = ""

    def create_name_policy(self) -> NamePolicy:
        return RandomNamePolicy(self.prefix)


@dataclass
class CustomNamePolicyFactory(NamePolicyFactory):
    trainingJobName: str
    modelName: str
    endpointConfigName: str
    endpointName: str

    def create_name_policy(self) -> NamePolicy:
        return CustomNamePolicy(
            self.trainingJobName, self.modelName, self.endpointConfigName, self.endpointName
        )


@dataclass
class CustomNamePolicyWithTimeStampSuffixFactory(CustomNamePolicyFactory):
    def create_name_policy(self) -> NamePolicy:
        return CustomNamePolicyWithTimeStampSuffix(
            self.trainingJobName, self.modelName, self.endpointConfigName, self.endpointName
        )


# ------------------------------------------------------------------------------ hosting


class EndpointCreationPolicy(enum.Enum):
    """When a SageMakerModel creates its model, endpoint config and endpoint."""

    CREATE_ON_CONSTRUCT = "CREATE_ON_CONSTRUCT"
    CREATE_ON_TRANSFORM = "CREATE_ON_TRANSFORM"
    DO_NOT_CREATE = "DO_NOT_CREATE"


@dataclass(frozen=True)
class CreatedResources:
    """What a model created (None for what it did not). The original's Python keywords and
    attributes (``model_name``, ...) work too."""

    modelName: str | None = None
    endpointConfigName: str | None = None
    endpointName: str | None = None

    @property
    def model_name(self) -> str | None:
        return self.modelName

    @property
    def endpoint_config_name(self) -> str | None:
        return self.endpointConfigName

    @property
    def endpoint_name(self) -> str | None:
        return self.endpointName


CreatedResources.__init__ = keyword_aliases(  # type: ignore[method-assign]
    model_name="modelName",
    endpoint_config_name="endpointConfigName",
    endpoint_name="endpointName",
)(CreatedResources.__init__)


class SageMakerSparkSDKException(SmsparkError):
    """Hosting-resource creation failed part-way; ``createdResources`` lists what exists."""

    def __init__(
        self, message: str, cause: BaseException | None, createdResources: CreatedResources
    ):
        super().__init__(f"{message} (created so far: {createdResources})")
        self.__cause__ = cause
        self.createdResources = createdResources


class SageMakerResourceCleanupException(SmsparkError):
    """Cleanup failed; it can be retried with ``deleteResources(createdResources)``."""

    def __init__(
        self, message: str, cause: BaseException | None, createdResources: CreatedResources
    ):
        super().__init__(f"{message}: {cause}")
        self.__cause__ = cause
        self.createdResources = createdResources


def _missing(error: ClientError) -> bool:
    """SageMaker answers a Describe of a missing resource with ValidationException."""
    return (
        error.response.get("Error", {}).get("Code")
        in (
            "ValidationException",
            "ResourceNotFound",
        )
        and "not" in error.response.get("Error", {}).get("Message", "").lower()
    )


class SageMakerResourceCleanup:
    """Deletes hosting resources: endpoint, then endpoint config, then model."""

    @keyword_aliases(sagemaker="sagemakerClient")
    def __init__(self, sagemakerClient: Any) -> None:
        self.sagemaker = sagemakerClient

    def _delete(self, describe: str, delete: str, **name: str) -> None:
        try:
            call_with_backoff(lambda: getattr(self.sagemaker, describe)(**name))
        except ClientError as error:
            if _missing(error):
                return  # already gone
            raise
        call_with_backoff(lambda: getattr(self.sagemaker, delete)(**name))

    def delete_endpoint(self, name: str) -> None:
        self._delete("describe_endpoint", "delete_endpoint", EndpointName=name)

    def delete_endpoint_config(self, name: str) -> None:
        self._delete("describe_endpoint_config", "delete_endpoint_config", EndpointConfigName=name)

    def delete_model(self, name: str) -> None:
        self._delete("describe_model", "delete_model", ModelName=name)

    def delete_resources(self, resources: CreatedResources) -> None:
        try:
            if resources.endpointName:
                self.delete_endpoint(resources.endpointName)
            if resources.endpointConfigName:
                self.delete_endpoint_config(resources.endpointConfigName)
            if resources.modelName:
                self.delete_model(resources.modelName)
        except Exception as error:
            raise SageMakerResourceCleanupException(
                "Resource cleanup failed. Cleanup can be retried if appropriate by calling "
                "deleteResources again.",
                error,
                resources,
            ) from error

    deleteResources = delete_resources
    deleteEndpoint = delete_endpoint
    deleteEndpointConfig = delete_endpoint_config
    deleteModel = delete_model
