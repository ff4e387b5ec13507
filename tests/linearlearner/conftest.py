"""The linearlearner plugin's tests see only the plugins they are about, and share one local
backend per module."""

from algorithm_helpers import plugin_fixtures

plugin_host, local = plugin_fixtures("linearlearner")
