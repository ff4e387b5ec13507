"""The plugin host: loads plugins from the ``smspark`` entry-point group with pluggy and
collects what they register.

A plugin that fails to import, implements a hook the host does not know (a misspelled
``register_serializer``), or whose hook raises is reported by name and skipped; the others
still load. A name registered twice raises ``DuplicateRegistrationError`` naming both
plugins. Set ``SMSPARK_DISABLE_PLUGIN_AUTOLOAD=1`` to load only the core's own registrations
(the core's test suite does, so that installed plugins cannot change its results), or
``SMSPARK_DISABLE_PLUGINS=name,name`` (or ``PluginHost(disable=[...])``) to skip some.
"""

from __future__ import annotations

import importlib.metadata
import os
import warnings
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import pluggy

from smspark_core.foundation.errors import PluginError
from smspark_core.foundation.media_types import media_type
from smspark_core.plugins import builtin as builtin_plugin
from smspark_core.plugins import hookspecs
from smspark_core.plugins.specs import (
    AlgorithmSpec,
    DeserializerSpec,
    LocalImageSpec,
    SerializerSpec,
)

ENTRY_POINT_GROUP = "smspark"
AUTOLOAD_ENV = "SMSPARK_DISABLE_PLUGIN_AUTOLOAD"
DISABLE_ENV = "SMSPARK_DISABLE_PLUGINS"
CORE_PLUGIN_NAME = "smspark-core"

Spec = TypeVar("Spec", AlgorithmSpec, SerializerSpec, DeserializerSpec, LocalImageSpec)


class DuplicateRegistrationError(PluginError):
    """Two plugins registered the same name for the same kind of thing."""


class UnknownNameError(PluginError, KeyError):
    """A lookup of a name nobody registered; the message lists the registered ones."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


@dataclass(frozen=True)
class PluginInfo:
    """Where a loaded plugin comes from."""

    name: str
    package: str
    version: str


@dataclass(frozen=True)
class PluginFailure:
    """A plugin that could not be loaded, and why."""

    name: str
    package: str
    error: str


class Registry(Generic[Spec]):
    """The specs of one kind, by name, with the plugin that registered each."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._specs: dict[str, Spec] = {}
        self._owners: dict[str, str] = {}

    def add(self, spec: Spec, plugin: str) -> None:
        if spec.name in self._specs:
            raise DuplicateRegistrationError(
                f"{self.kind} {spec.name!r} is registered by both plugin "
                f"{self._owners[spec.name]!r} and plugin {plugin!r}"
            )
        self._specs[spec.name] = spec
        self._owners[spec.name] = plugin

    def get(self, name: str) -> Spec:
        try:
            return self._specs[name]
        except KeyError:
            known = ", ".join(sorted(self._specs)) or "none"
            raise UnknownNameError(
                f"no {self.kind} named {name!r} is registered (registered: {known})"
            ) from None

    def owner(self, name: str) -> str:
        return self._owners[name]

    def names(self) -> list[str]:
        return sorted(self._specs)

    def values(self) -> list[Spec]:
        return [self._specs[n] for n in self.names()]

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def __len__(self) -> int:
        return len(self._specs)


class PluginHost:
    """A pluggy PluginManager for project ``smspark`` and the registries it fills."""

    def __init__(
        self,
        *,
        autoload: bool | None = None,
        only: Collection[str] | None = None,
        disable: Collection[str] | None = None,
    ) -> None:
        """``only``: load just these entry points (by plugin name), whatever ``autoload``
        and the environment say; used by a plugin's tests to see its plugin alone.
        ``disable``: never load these (default: the names in ``SMSPARK_DISABLE_PLUGINS``)."""
        if autoload is None:
            autoload = not os.environ.get(AUTOLOAD_ENV)
        if disable is None:
            disable = [n.strip() for n in os.environ.get(DISABLE_ENV, "").split(",")]
        self.disabled = {name for name in disable if name}
        self._only = set(only) if only is not None else None
        self.manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self.manager.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginInfo] = {}
        self.failures: list[PluginFailure] = []
        self._register(builtin_plugin, PluginInfo(CORE_PLUGIN_NAME, CORE_PLUGIN_NAME, _version()))
        if autoload or self._only is not None:
            self._load_entry_points()
        self.algorithms: Registry[AlgorithmSpec] = self._collect("register_algorithms", "algorithm")
        self.serializers: Registry[SerializerSpec] = self._collect(
            "register_serializers", "serializer"
        )
        self.deserializers: Registry[DeserializerSpec] = self._collect(
            "register_deserializers", "deserializer"
        )
        self.local_images: Registry[LocalImageSpec] = self._collect(
            "register_local_images", "local image"
        )

    def _register(self, plugin: Any, info: PluginInfo) -> None:
        self.manager.register(plugin, name=info.name)
        self.plugins[info.name] = info

    def _load_entry_points(self) -> None:
        for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            if self._only is not None and entry_point.name not in self._only:
                continue
            if entry_point.name in self.disabled:
                continue
            dist = entry_point.dist
            package = dist.name if dist else "?"
            if entry_point.name in self.plugins:
                # The same distribution seen twice on sys.path (an editable install and a
                # copy, say) is one plugin; two packages claiming one name are an error.
                if self.plugins[entry_point.name].package == package:
                    continue
                raise DuplicateRegistrationError(
                    f"plugin name {entry_point.name!r} is used by both package "
                    f"{self.plugins[entry_point.name].package!r} and package {package!r}"
                )
            try:
                plugin = entry_point.load()
            except Exception as error:  # a broken plugin must not take the others down
                self._fail(entry_point.name, package, f"failed to import: {error!r}")
                continue
            unknown = self._unknown_hooks(plugin)
            if unknown:
                self._fail(
                    entry_point.name,
                    package,
                    f"implements unknown hook(s) {', '.join(unknown)}; the hooks are "
                    f"{', '.join(hookspecs.HOOK_NAMES)}",
                )
                continue
            self._register(
                plugin, PluginInfo(entry_point.name, package, dist.version if dist else "?")
            )

    def _unknown_hooks(self, plugin: Any) -> list[str]:
        """Names ``plugin`` marks with ``@hookimpl`` that are not hooks of the host (pluggy
        would register them silently and never call them)."""
        return sorted(
            name
            for name in dir(plugin)
            if self.manager.parse_hookimpl_opts(plugin, name) is not None
            and name not in hookspecs.HOOK_NAMES
        )

    def _fail(self, name: str, package: str, error: str) -> None:
        self.failures.append(PluginFailure(name, package, error))
        warnings.warn(f"smspark plugin {name!r} (package {package!r}) {error}", stacklevel=3)

    def _collect(self, hook_name: str, kind: str) -> Registry:
        registry: Registry = Registry(kind)
        hook_caller = getattr(self.manager.hook, hook_name)
        # get_hookimpls() is in registration order (pluggy calls them in reverse): the core
        # first, then plugins as loaded, so a duplicate is reported against the earlier owner.
        for impl in hook_caller.get_hookimpls():
            plugin_name = self.manager.get_name(impl.plugin)
            # pluggy names every plugin it registers, so a hook implementation's has one.
            assert plugin_name is not None
            if any(f.name == plugin_name for f in self.failures):
                continue
            specs: list = []
            try:
                impl.function(register=specs.append)
            except Exception as error:
                info = self.plugins[plugin_name]
                self._fail(plugin_name, info.package, f"raised in {hook_name}: {error!r}")
                continue
            for spec in specs:
                registry.add(spec, plugin_name)
        return registry

    # Lookups used across the library.

    def serializer(self, name: str, config: dict[str, Any] | None = None):
        """A new serializer of the registered ``name``, built from its JSON config."""
        return self.serializers.get(name).factory.from_config(config or {})

    def deserializer(self, name: str, config: dict[str, Any] | None = None):
        """A new deserializer of the registered ``name``, built from its JSON config."""
        return self.deserializers.get(name).factory.from_config(config or {})

    def serializers_for(self, content_type: str) -> list[SerializerSpec]:
        """The registered serializers that write ``content_type`` (parameters such as
        ``; charset=utf-8`` ignored), by name."""
        wanted = media_type(content_type)[0]
        return [s for s in self.serializers.values() if media_type(s.content_type)[0] == wanted]

    def deserializers_for(self, accept: str) -> list[DeserializerSpec]:
        """The registered deserializers that read ``accept`` responses, by name."""
        wanted = media_type(accept)[0]
        return [d for d in self.deserializers.values() if media_type(d.accepts)[0] == wanted]

    def name_of(self, codec: object) -> str:
        """The registered name of a serializer or deserializer's class."""
        for registry in (self.serializers, self.deserializers):
            for spec in registry.values():
                if spec.factory is type(codec):
                    return spec.name
        raise UnknownNameError(
            f"{type(codec).__name__} is not registered as a serializer or deserializer; "
            "register it through the smspark plugin hooks so it can be persisted"
        )


def _version() -> str:
    try:
        return importlib.metadata.version("smspark-core")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


_host: PluginHost | None = None


def get_plugin_host() -> PluginHost:
    """The process-wide plugin host, loaded on first use."""
    global _host
    if _host is None:
        _host = PluginHost()
    return _host


@contextmanager
def using_plugin_host(host: PluginHost) -> Iterator[PluginHost]:
    """Makes ``host`` the process-wide plugin host for the ``with`` block, e.g.
    ``using_plugin_host(PluginHost(only=["kmeans"]))`` in a plugin's tests."""
    global _host
    previous, _host = _host, host
    try:
        yield host
    finally:
        _host = previous
