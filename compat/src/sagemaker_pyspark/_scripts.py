"""The original's ``sagemakerpyspark-jars`` and ``sagemakerpyspark-emr-jars``."""

from __future__ import annotations

import sys


def print_jars() -> None:
    """Prints the jars to put on the classpath, joined by the separator argument: none."""
    if any("-help" in argument for argument in sys.argv[1:]):
        print(
            f"usage: {sys.argv[0]} [separator]\n"
            "smspark-compat needs no jars: this prints an empty list."
        )
        return
    print("")
