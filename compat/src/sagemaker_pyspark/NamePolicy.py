"""The original's ``sagemaker_pyspark.NamePolicy``."""

from smspark_core.aws.resources import (
    CustomNamePolicy,
    CustomNamePolicyFactory,
    CustomNamePolicyWithTimeStampSuffix,
    CustomNamePolicyWithTimeStampSuffixFactory,
    NamePolicy,
    NamePolicyFactory,
    RandomNamePolicy,
    RandomNamePolicyFactory,
)

__all__ = [
    "CustomNamePolicy",
    "CustomNamePolicyFactory",
    "CustomNamePolicyWithTimeStampSuffix",
    "CustomNamePolicyWithTimeStampSuffixFactory",
    "NamePolicy",
    "NamePolicyFactory",
    "RandomNamePolicy",
    "RandomNamePolicyFactory",
]
