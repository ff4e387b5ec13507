"""The two generations of SageMaker's XGBoost image, and what each accepts.

* ``imageVersion="1"``: the legacy ``xgboost:1`` image (XGBoost 0.72, deprecated), the one
  sagemaker_pyspark used.
* ``imageVersion="<x.y-z>"``: ``sagemaker-xgboost:<x.y-z>``, the images users run today.
  The default is ``DEFAULT_VERSION`` (1.7-1, the newest with a native-format artifact that
  every 1.x and later XGBoost reads).
"""

from __future__ import annotations

from collections.abc import Callable

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
# Hyperparameters of the original that XGBoost has since removed. Each has the first
# sagemaker-xgboost version without it; one with an equivalent is sent as that (with a
# warning), given as the current hyperparameter and how a value translates; one without is
# refused before any AWS call (XGBoost would ignore it, or fail the job), with what to do.
LEGACY_TRANSLATIONS: dict[str, tuple[str, str, Callable[[str], str]]] = {
    # XGBoost 1.0 replaced silent with verbosity (0 silent ... 3 debug).
    "silent": ("0.90-1", "verbosity", lambda text: {"0": "1", "1": "0"}[text]),
    # XGBoost 1.6 replaced the approx method's sketch_eps with max_bin, about 1/sketch_eps.
    "sketch_eps": ("1.7-1", "max_bin", lambda text: str(max(1, round(1 / float(text))))),
}
REMOVED: dict[str, tuple[str, str]] = {
    "lambda_bias": (
        "1.7-1",
        "XGBoost no longer regularizes the bias of gblinear: remove setLambdaBias, or use "
        "imageVersion='1'",
    ),
}
# Tree updaters the original listed that XGBoost has since removed (distcol in 1.1,
# grow_skmaker in 1.3, grow_local_histmaker in 1.7), by the first image version without them.
REMOVED_UPDATERS = {
    "distcol": "1.2-1",
    "grow_skmaker": "1.3-1",
    "grow_local_histmaker": "1.7-1",
}
UPDATER_ADVICE = (
    "choose tree_method (exact, approx or hist) instead of updater, or updaters XGBoost still "
    "has (grow_colmaker, grow_histmaker, grow_quantile_histmaker, sync, refresh, prune), or "
    "use imageVersion='1'"
)


def release(version: str) -> tuple[int, ...]:
    """A sagemaker-xgboost version as comparable numbers (``"1.7-1"`` is ``(1, 7, 1)``); the
    legacy image ``"1"`` (XGBoost 0.72) comes before all of them."""
    if version == LEGACY_VERSION:
        return (0,)
    numbers, _, build = version.partition("-")
    return (*(int(n) for n in numbers.split(".")), int(build or 0))


def lacks(version: str, first_without: str) -> bool:
    """Whether image ``version`` is ``first_without`` or later."""
    return release(version) >= release(first_without)


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
