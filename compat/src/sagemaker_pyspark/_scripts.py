"""The original's ``sagemakerpyspark-jars`` and ``sagemakerpyspark-emr-jars``.

smspark needs no jars (``classpath_jars()`` is ``[]``), but the original's README builds
command lines from these scripts: ``spark-submit --jars `sagemakerpyspark-jars` app.py``. An
empty output would make ``--jars`` take ``app.py`` as its value, so they print the path of a
jar shipped with this package that holds no classes, which Spark loads and ignores.
"""

from __future__ import annotations

import sys
from pathlib import Path

# A valid jar with a manifest and nothing else. Its name has "sagemaker" in it, as the original's
# EMR jars all did (build scripts select them by that).
NO_CLASSES_JAR = Path(__file__).parent / "jars" / "smspark-compat-sagemaker-pyspark-no-classes.jar"


def print_jars() -> None:
    """Prints the jars to put on Spark's classpath, joined by the separator argument (","
    by default, as ``--jars`` takes them): just the empty jar."""
    arguments = sys.argv[1:]
    if any("-help" in argument for argument in arguments):
        print(
            f"usage: {Path(sys.argv[0]).name} [separator]\n"
            "smspark-compat needs no jars: this prints the path of an empty jar, so that "
            "`spark-submit --jars `sagemakerpyspark-jars` app.py` still works."
        )
        return
    separator = arguments[0] if arguments else ","
    print(separator.join([str(NO_CLASSES_JAR)]))
