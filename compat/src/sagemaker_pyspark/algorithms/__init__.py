"""The original's ``sagemaker_pyspark.algorithms``: every estimator of the installed smspark
algorithm plugins, by its original class name."""

from __future__ import annotations

from typing import Any

from sagemaker_pyspark._ported import ported


def __getattr__(name: str) -> Any:
    if name.startswith("_"):
        raise AttributeError(name)  # the import machinery asking; never load plugins for it
    import smspark_core.algorithms

    return ported(getattr(smspark_core.algorithms, name), __name__)
