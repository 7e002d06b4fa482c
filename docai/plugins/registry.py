"""Discovering plugins through the ``docai.plugins`` entry-point group.

A plugin package declares, in its ``pyproject.toml``::

    [project.entry-points."docai.plugins"]
    myplugin = "myplugin.docai_plugin"

and that module (or object) has a ``register(registry)`` function that calls
:meth:`PluginRegistry.add_model` once per model. Plugins must import heavy libraries (torch,
transformers) lazily, inside their factories, so listing plugins stays fast. First-party plugins in
``plugins/`` register through the very same group.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from docai.errors import ConfigError, ModelError
from docai.plugins.capabilities import PROTOCOLS
from schemas.plugins import Capability, PluginLoadError, PluginModelInfo

ENTRY_POINT_GROUP = "docai.plugins"

#: factory(model_path_or_id, **options) -> an object implementing the declared capability protocols
ModelFactory = Callable[..., Any]


@dataclass
class RegisteredModel:
    info: PluginModelInfo
    factory: ModelFactory


@dataclass
class PluginRegistry:
    """Every model that the installed plugins registered, and the plugins that failed to load."""

    models: dict[str, RegisteredModel] = field(default_factory=dict)
    errors: list[PluginLoadError] = field(default_factory=list)
    _current_plugin: str = "<direct>"

    def add_model(self, name: str, factory: ModelFactory, capabilities: Iterable[Capability | str], *,
                  description: str = "") -> None:
        """Register one model. Called from a plugin's ``register(registry)``."""
        caps = [Capability(c) for c in capabilities]
        if not caps:
            raise ConfigError(f"plugin model {name!r} declares no capabilities")
        if name in self.models:
            raise ConfigError(f"plugin model {name!r} is registered twice "
                              f"({self.models[name].info.plugin} and {self._current_plugin})")
        info = PluginModelInfo(name=name, plugin=self._current_plugin, capabilities=caps, description=description)
        self.models[name] = RegisteredModel(info=info, factory=factory)

    def load_entry_point(self, ep: EntryPoint) -> None:
        """Load one plugin; a failure is recorded in ``errors`` and does not affect the others."""
        before = dict(self.models)
        self._current_plugin = ep.name
        try:
            target = ep.load()
            register = getattr(target, "register", None)
            if not callable(register):
                raise ConfigError(f"entry point {ep.value!r} has no register(registry) function")
            register(self)
        except Exception as exc:  # noqa: BLE001 - one broken plugin must not break docai
            self.models = before
            self.errors.append(PluginLoadError(plugin=ep.name, message=f"{type(exc).__name__}: {exc}"))
        finally:
            self._current_plugin = "<direct>"

    def infos(self, capability: Capability | str | None = None) -> list[PluginModelInfo]:
        """Registered models, optionally only those with ``capability``, sorted by name."""
        cap = Capability(capability) if capability else None
        return sorted((m.info for m in self.models.values() if cap is None or cap in m.info.capabilities),
                      key=lambda i: i.name)

    def create(self, name: str, capability: Capability | str, *args: Any, **options: Any) -> Any:
        """Instantiate model ``name`` and check it implements ``capability``'s protocol."""
        cap = Capability(capability)
        if name not in self.models:
            known = ", ".join(sorted(self.models)) or "none installed"
            raise ModelError(f"no plugin model named {name!r} (known: {known})")
        model = self.models[name]
        if cap not in model.info.capabilities:
            raise ModelError(f"plugin model {name!r} cannot {cap.value} "
                             f"(it can: {', '.join(c.value for c in model.info.capabilities)})")
        instance = model.factory(*args, **options)
        if not isinstance(instance, PROTOCOLS[cap]):
            raise ModelError(f"plugin model {name!r} does not implement the {cap.value} protocol")
        return instance


_registry: PluginRegistry | None = None
_lock = threading.Lock()


def discover(group: str = ENTRY_POINT_GROUP) -> PluginRegistry:
    """A fresh registry loaded from every installed entry point of ``group``."""
    registry = PluginRegistry()
    for ep in sorted(entry_points(group=group), key=lambda e: e.name):
        registry.load_entry_point(ep)
    return registry


def get_registry() -> PluginRegistry:
    """The process-wide registry (discovered on first use)."""
    global _registry
    with _lock:
        if _registry is None:
            _registry = discover()
        return _registry


def reset_registry() -> None:
    """Forget the discovered plugins (tests; after installing a plugin at run time)."""
    global _registry
    with _lock:
        _registry = None
