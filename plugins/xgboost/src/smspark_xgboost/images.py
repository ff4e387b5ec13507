"""The two generations of SageMaker's XGBoost image, and what each accepts.

* ``imageVersion="1"``: the legacy ``xgboost:1`` image (XGBoost 0.72, deprecated), the one
  sagemaker_pyspark used.
* ``imageVersion="<x.y-z>"``: ``sagemaker-xgboost:<x.y-z>``, the images users run today.
  The default is ``DEFAULT_VERSION`` (1.7-1, the newest with a native-format artifact that
  every 1.x and later XGBoost reads).
"""

from __future__ import annotations

from smspark_core.algorithms.images import (
    LEGACY_XGBOOST_ACCOUNTS,
    SAGEMAKER_XGBOOST_ACCOUNTS,
    image_uri,
)

LEGACY_VERSION = "1"
DEFAULT_VERSION = "1.7-1"
# Versions of sagemaker-xgboost (SageMaker Python SDK image configs); the first three are
# tagged "<version>-cpu-py3".
VERSIONS = (
    "0.90-1", "0.90-2", "1.0-1", "1.2-1", "1.2-2", "1.3-1", "1.5-1", "1.7-1", "3.0-5", "3.2-0"
)  # fmt: skip
_CPU_PY3_TAGGED = ("0.90-1", "0.90-2", "1.0-1")

# Hyperparameters the legacy 0.72 image does not know (added with sagemaker-xgboost 0.90).
NOT_IN_LEGACY = (
    "verbosity",
    "colsample_bynode",
    "early_stopping_rounds",
    "csv_weights",
    "monotone_constraints",
    "interaction_constraints",
    "num_parallel_tree",
)
# Hyperparameters only the legacy image knows (XGBoost 1.0 removed them), each with the
# current hyperparameter it is sent as on newer images and how its values translate.
LEGACY_TRANSLATIONS = {"silent": ("verbosity", {0: 1, 1: 0})}


def check_version(version: str) -> str:
    if version != LEGACY_VERSION and version not in VERSIONS:
        raise ValueError(
            f"imageVersion {version!r} is not a SageMaker XGBoost version; use "
            f"{LEGACY_VERSION!r} (legacy xgboost:1) or one of {', '.join(VERSIONS)}"
        )
    return version


def xgboost_image(version: str, region: str) -> str:
    """The image URI of ``version`` in ``region``."""
    check_version(version)
    if version == LEGACY_VERSION:
        return image_uri("xgboost", "1", region, LEGACY_XGBOOST_ACCOUNTS)
    tag = f"{version}-cpu-py3" if version in _CPU_PY3_TAGGED else version
    return image_uri("sagemaker-xgboost", tag, region, SAGEMAKER_XGBOOST_ACCOUNTS)


def version_of(image: str) -> str:
    """The imageVersion an image URI was made from (``…/xgboost:1`` gives ``"1"``)."""
    repository_and_tag = image.rsplit("/", 1)[-1]
    repository, _, tag = repository_and_tag.partition(":")
    if repository == "xgboost":
        return LEGACY_VERSION
    return tag.removesuffix("-cpu-py3")
