"""Without its ``local`` extra the local backend says what to install, instead of failing
with ModuleNotFoundError deep inside start()."""

from __future__ import annotations

import sys

import pytest

from smspark_core.errors import SmsparkError
from smspark_core.local import LocalSageMaker


def test_missing_moto_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "moto.server", None)  # import now raises ImportError
    backend = LocalSageMaker(workdir=tmp_path)
    with pytest.raises(SmsparkError, match=r"pip install 'smspark-core\[local\]'"):
        backend.start()
