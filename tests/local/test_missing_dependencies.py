"""A missing piece of the local backend is named with what to install, instead of a
ModuleNotFoundError deep inside start() or an import."""

from __future__ import annotations

import subprocess
import sys

import pytest
from smspark_local import LocalSageMaker

from smspark_core.foundation.errors import SmsparkError


def test_missing_moto_names_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "moto.server", None)  # import now raises ImportError
    backend = LocalSageMaker(workdir=tmp_path)
    with pytest.raises(SmsparkError, match=r"pip install 'moto\[server\]"):
        backend.start()


def test_without_smspark_local_the_alias_and_the_sdk_name_the_distribution():
    """smspark-core alone: ``smspark_core.local`` and the SDK's toolkit names say to install
    smspark-local (simulated by a finder that refuses the package, in a fresh interpreter)."""
    script = """
import sys

class NotInstalled:  # as if smspark-local were not installed
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "smspark_local":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)

sys.meta_path.insert(0, NotInstalled())
try:
    from smspark_core.local import LocalSageMaker
except ModuleNotFoundError as error:
    print("alias:", error)
from smspark_core import sdk
try:
    sdk.TrainingEnvironment
except ModuleNotFoundError as error:
    print("sdk:", error)
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert "alias: LocalSageMaker is in the smspark-local distribution" in out
    assert "pip install smspark-local" in out.split("sdk:")[1]
