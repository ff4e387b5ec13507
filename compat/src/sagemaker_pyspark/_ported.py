"""Classes under the original's names and module paths.

The original's estimators held a JVM twin; its tests set Params in Python, called
``_transfer_params_to_java()`` and compared each Python getter with ``_call_java(getter)``.
smspark's Params live only in Python, so the transfer has nothing to do and the "JVM" getter
is the Python one. ``ported`` makes a subclass with these two methods in the original's module,
so that persistence records (and loads back) the class path the program used.
"""

from __future__ import annotations

import functools
from typing import Any


class JvmTestSupport:
    """The two JVM calls of the original's test suites (see the module docstring)."""

    def _transfer_params_to_java(self) -> None:
        """Nothing to transfer: there is no JVM object behind a smspark stage."""

    def _call_java(self, name: str, *args: Any) -> Any:
        """The Python method ``name`` (the original called its JVM twin's)."""
        return getattr(self, name)(*args)


@functools.cache
def ported(cls: type, module: str) -> type:
    """``cls`` with ``JvmTestSupport``, named as the original named it, living in ``module``."""
    return type(cls.__name__, (JvmTestSupport, cls), {"__module__": module, "__doc__": cls.__doc__})


def plugin_estimator(name: str, module: str, distribution: str) -> type:
    """The installed plugin's estimator ``name``, ported into ``module``; without the plugin,
    a class whose construction says which distribution to install."""
    import smspark_core.algorithms

    try:
        return ported(getattr(smspark_core.algorithms, name), module)
    except AttributeError:
        return _not_installed(name, module, distribution)


def plugin_class(name: str, source: str, module: str, distribution: str) -> type:
    """Class ``name`` of the plugin module ``source`` (e.g. the Param base of an algorithm's
    estimators); without the plugin, a class that says which distribution to install."""
    import importlib

    try:
        return getattr(importlib.import_module(source), name)
    except (ImportError, AttributeError):
        return _not_installed(name, module, distribution)


def plugin_deserializer(name: str, module: str, distribution: str) -> type:
    """The installed plugin's deserializer class ``name`` (as it is: deserializers persist by
    registered name); without the plugin, a class that says which distribution to install."""
    from smspark_core.plugins import get_plugin_host

    for spec in get_plugin_host().deserializers.values():
        if spec.factory.__name__ == name:
            return spec.factory
    return _not_installed(name, module, distribution)


def _not_installed(name: str, module: str, distribution: str) -> type:
    def refuse(self: Any, *args: Any, **kwargs: Any) -> None:
        raise ImportError(
            f"{name} comes from the smspark plugin {distribution}, which is not installed "
            f"(or failed to load: see `smspark plugins`): pip install {distribution}"
        )

    doc = f"Needs ``{distribution}``: install it to use {name}."
    return type(name, (), {"__init__": refuse, "__module__": module, "__doc__": doc})
