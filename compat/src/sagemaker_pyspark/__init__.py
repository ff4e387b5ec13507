"""``sagemaker_pyspark`` served by smspark (see this distribution's README): the original's
top-level names, re-exported from ``smspark_core``."""

from __future__ import annotations

from sagemaker_pyspark._guard import check_and_announce

check_and_announce()

from sagemaker_pyspark._ported import ported  # noqa: E402
from smspark_core import (  # noqa: E402 - after the guard, on purpose
    CreatedResources,
    CustomNamePolicy,
    CustomNamePolicyFactory,
    CustomNamePolicyWithTimeStampSuffix,
    CustomNamePolicyWithTimeStampSuffixFactory,
    EndpointCreationPolicy,
    IAMRole,
    IAMRoleFromConfig,
    RandomNamePolicy,
    RandomNamePolicyFactory,
    S3AutoCreatePath,
    S3DataPath,
    SageMakerClients,
    SageMakerModel,
    SageMakerResourceCleanup,
    classpath_jars,
)
from smspark_core import SageMakerEstimator as _SageMakerEstimator  # noqa: E402
from smspark_core.resources import S3Resource  # noqa: E402

SageMakerEstimator = ported(_SageMakerEstimator, __name__)
# The original's abstract base of every estimator; smspark's estimators share one class.
SageMakerEstimatorBase = _SageMakerEstimator

__all__ = [
    "CreatedResources",
    "CustomNamePolicy",
    "CustomNamePolicyFactory",
    "CustomNamePolicyWithTimeStampSuffix",
    "CustomNamePolicyWithTimeStampSuffixFactory",
    "EndpointCreationPolicy",
    "IAMRole",
    "IAMRoleFromConfig",
    "RandomNamePolicy",
    "RandomNamePolicyFactory",
    "S3AutoCreatePath",
    "S3DataPath",
    "S3Resource",
    "SageMakerClients",
    "SageMakerEstimator",
    "SageMakerEstimatorBase",
    "SageMakerModel",
    "SageMakerResourceCleanup",
    "classpath_jars",
]
