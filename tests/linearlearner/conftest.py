"""The Linear Learner plugin's tests see that plugin alone, and share one local backend."""

from __future__ import annotations

import pytest

from smspark_core.local import LocalSageMaker
from smspark_core.plugins import PluginHost, using_plugin_host


@pytest.fixture(scope="module", autouse=True)
def linear_learner_plugin():
    with using_plugin_host(PluginHost(only=["linearlearner"])) as host:
        yield host


@pytest.fixture(scope="module")
def local(linear_learner_plugin):
    with LocalSageMaker(ping_timeout=60) as backend:
        yield backend
