"""``sagemaker_pyspark`` served by smspark (see this distribution's README): the original's
top-level names and module paths, re-exported from ``smspark_core`` and its plugins."""

from __future__ import annotations

from sagemaker_pyspark._guard import check_and_announce

check_and_announce()

# As in the original, each module named like a class is imported and then shadowed by it.
from sagemaker_pyspark.IAMRoleResource import IAMRole, IAMRoleFromConfig  # noqa: E402
from sagemaker_pyspark.NamePolicy import (  # noqa: E402
    CustomNamePolicy,
    CustomNamePolicyFactory,
    CustomNamePolicyWithTimeStampSuffix,
    CustomNamePolicyWithTimeStampSuffixFactory,
    RandomNamePolicy,
    RandomNamePolicyFactory,
)
from sagemaker_pyspark.S3Resources import S3AutoCreatePath, S3DataPath, S3Resource  # noqa: E402
from sagemaker_pyspark.SageMakerClients import SageMakerClients  # noqa: E402
from sagemaker_pyspark.SageMakerEstimator import (  # noqa: E402
    EndpointCreationPolicy,
    SageMakerEstimator,
    SageMakerEstimatorBase,
)
from sagemaker_pyspark.SageMakerModel import SageMakerModel  # noqa: E402
from sagemaker_pyspark.SageMakerResourceCleanup import (  # noqa: E402
    CreatedResources,
    SageMakerResourceCleanup,
)
from sagemaker_pyspark.wrapper import Option, SageMakerJavaWrapper  # noqa: E402
from smspark_core import classpath_jars  # noqa: E402

__all__ = [
    "CreatedResources",
    "CustomNamePolicy",
    "CustomNamePolicyFactory",
    "CustomNamePolicyWithTimeStampSuffix",
    "CustomNamePolicyWithTimeStampSuffixFactory",
    "EndpointCreationPolicy",
    "IAMRole",
    "IAMRoleFromConfig",
    "Option",
    "RandomNamePolicy",
    "RandomNamePolicyFactory",
    "S3AutoCreatePath",
    "S3DataPath",
    "S3Resource",
    "SageMakerClients",
    "SageMakerEstimator",
    "SageMakerEstimatorBase",
    "SageMakerJavaWrapper",
    "SageMakerModel",
    "SageMakerResourceCleanup",
    "classpath_jars",
]
