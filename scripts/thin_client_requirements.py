"""Prints, one a line for pip, what smspark's packages declare except pyspark: the
requirements of a Spark Connect thin client (``scripts/dev test-thin-client``).

``pyspark-client`` is the ``pyspark`` module without the JVM, the jars and py4j. smspark-core
declares the full ``pyspark``, which is right for everyone else (a classic session, the
executors of a cluster, a Connect server's Python workers), and pip has no way to let one
distribution stand in for another. So the thin client installs smspark's packages with
``--no-deps``, then what this prints, then ``pyspark-client``: the other requirements are read
from the same ``pyproject.toml`` files, never listed a second time by hand. A first-party
requirement (``smspark-local``, ``smspark-core[connect]``) is skipped: each first-party
project the client needs is named on the command line itself.

    python scripts/thin_client_requirements.py ".[test]" ./emulator "plugins/xgboost[local]" ...
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10
    sys.exit("scripts/thin_client_requirements.py needs Python 3.11 or newer (tomllib)")

PROJECT = re.compile(r"(?P<path>[^\[]+)(?:\[(?P<extras>[^\]]*)\])?")
REPLACED = "pyspark"  # by pyspark-client, which the caller installs


def distribution_name(requirement: str) -> str:
    """The normalized name a requirement string starts with (PEP 503)."""
    name = re.match(r"[A-Za-z0-9._-]+", requirement.strip())
    if name is None:
        raise ValueError(f"not a requirement: {requirement!r}")
    return re.sub(r"[-_.]+", "-", name.group()).lower()


def declared(project: str) -> list[str]:
    """The dependencies of ``project`` (``path`` or ``path[extra,...]``) and of its extras."""
    match = PROJECT.fullmatch(project)
    if match is None:
        raise ValueError(f"not a project path: {project!r}")
    table = tomllib.loads((Path(match["path"]) / "pyproject.toml").read_text())["project"]
    found = list(table.get("dependencies", []))
    optional = table.get("optional-dependencies", {})
    for extra in filter(None, (match["extras"] or "").split(",")):
        if extra not in optional:
            raise ValueError(f"{match['path']} has no extra {extra!r}")
        found += optional[extra]
    return found


def thin_client_requirements(projects: list[str]) -> list[str]:
    wanted: list[str] = []
    for project in projects:
        for requirement in declared(project):
            name = distribution_name(requirement)
            if name == REPLACED or name.startswith("smspark-"):
                continue
            if requirement not in wanted:
                wanted.append(requirement)
    return wanted


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    print("\n".join(thin_client_requirements(sys.argv[1:])))
