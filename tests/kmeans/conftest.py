"""The k-means plugin's tests see that plugin alone (not whatever else is installed), and
share one local backend per module."""

from __future__ import annotations

import pytest

from smspark_core.local import LocalSageMaker
from smspark_core.plugins import PluginHost, using_plugin_host


@pytest.fixture(scope="module", autouse=True)
def kmeans_plugin():
    with using_plugin_host(PluginHost(only=["kmeans"])) as host:
        yield host


@pytest.fixture(scope="module")
def local(kmeans_plugin):
    with LocalSageMaker(ping_timeout=60) as backend:
        yield backend
