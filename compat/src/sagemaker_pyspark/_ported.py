"""What test suites written for the original call on its JVM-backed estimators.

The original's estimators held a JVM twin; its tests set Params in Python, called
``_transfer_params_to_java()`` and compared each Python getter with ``_call_java(getter)``.
smspark's Params live only in Python, so the transfer has nothing to do and the "JVM" getter
is the Python one. ``ported`` makes a subclass with these two methods under the original's
module path, so that persistence records (and loads back) the name the program used.
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
