"""The PCA plugin's tests see the PCA plugin and, for the two-stage pipelines, k-means."""

from __future__ import annotations

import pytest

from smspark_core.local import LocalSageMaker
from smspark_core.plugins import PluginHost, using_plugin_host


@pytest.fixture(scope="module", autouse=True)
def pca_plugin():
    with using_plugin_host(PluginHost(only=["pca", "kmeans"])) as host:
        yield host


@pytest.fixture(scope="module")
def local(pca_plugin):
    with LocalSageMaker(ping_timeout=60) as backend:
        yield backend
