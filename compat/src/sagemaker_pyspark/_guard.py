"""Refuses to run beside AWS's ``sagemaker-pyspark``, which owns the same module name."""

from __future__ import annotations

import logging
from importlib import metadata

log = logging.getLogger("sagemaker_pyspark")


def check_and_announce() -> None:
    """Raises if AWS's distribution is installed too; otherwise logs which package this is."""
    try:
        real = metadata.distribution("sagemaker-pyspark")
    except metadata.PackageNotFoundError:
        pass
    else:
        raise ImportError(
            f"AWS's sagemaker-pyspark {real.version} is installed beside smspark-compat, and "
            "both provide the module 'sagemaker_pyspark', so its files are a mix of the two. "
            "Uninstall both (pip uninstall sagemaker-pyspark smspark-compat), then install "
            "the one you want."
        )
    try:
        version = metadata.version("smspark-compat")
    except metadata.PackageNotFoundError:  # run from a source tree
        version = "(not installed)"
    log.warning(
        "sagemaker_pyspark here is smspark-compat %s: smspark's pure-Python classes under the "
        "original's module names, not AWS's sagemaker-pyspark",
        version,
    )
