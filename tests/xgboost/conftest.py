"""The XGBoost plugin's tests see that plugin alone, and share one local backend."""

from __future__ import annotations

import pytest

from smspark_core.local import LocalSageMaker
from smspark_core.plugins import PluginHost, using_plugin_host


@pytest.fixture(scope="module", autouse=True)
def xgboost_plugin():
    with using_plugin_host(PluginHost(only=["xgboost"])) as host:
        yield host


@pytest.fixture(scope="module")
def local(xgboost_plugin):
    with LocalSageMaker(ping_timeout=60) as backend:
        yield backend
