"""The plugin contract and its host: the specs plugins register (``specs``), the hooks they
implement (``hookspecs``), the core's own registrations (``builtin``) and the pluggy host that
loads the ``smspark`` entry points (``host``), whose API is importable from here
(``from smspark_core.plugins import get_plugin_host``). Plugin authors import everything from
``smspark_core.sdk``."""

from smspark_core.plugins.host import (
    AUTOLOAD_ENV,
    CORE_PLUGIN_NAME,
    DISABLE_ENV,
    ENTRY_POINT_GROUP,
    DuplicateRegistrationError,
    PluginFailure,
    PluginHost,
    PluginInfo,
    Registry,
    UnknownNameError,
    get_plugin_host,
    using_plugin_host,
)

__all__ = [
    "AUTOLOAD_ENV",
    "CORE_PLUGIN_NAME",
    "DISABLE_ENV",
    "ENTRY_POINT_GROUP",
    "DuplicateRegistrationError",
    "PluginFailure",
    "PluginHost",
    "PluginInfo",
    "Registry",
    "UnknownNameError",
    "get_plugin_host",
    "using_plugin_host",
]
