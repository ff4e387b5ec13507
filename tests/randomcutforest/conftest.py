"""The randomcutforest plugin's tests see only that plugin, and share one local backend per
module."""

from algorithm_helpers import plugin_fixtures

plugin_host, local = plugin_fixtures("randomcutforest")
