"""Finding plugins and collecting what they register, one plugin at a time so one bad plugin hurts no other.

Plugins are modules named by the ``docai.plugins`` entry-point group of installed distributions::

    [project.entry-points."docai.plugins"]
    blip = "docai_blip.plugin"

The built-in engines and kinds come from :mod:`docai.plugins.builtin` through the very same hooks, under
the plugin name ``docai``. ``DOCAI_PLUGINS`` allow-lists distributions by name (comma-separated; unset:
every installed one; empty: built-ins only). A plugin that fails to import, names an unknown hook, raises
while registering or registers a name another plugin already has is recorded as broken with the reason,
and nothing it registered is kept. Loading plugins imports their plugin modules only — never torch.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Generic, TypeVar

import click
import pluggy

from docai.errors import ConfigError, DocaiError
from docai.plugins import hookspecs
from docai.plugins.specs import EngineSpec, ModelSpec, check_name
from schemas.plugins import PluginRecord

ENTRY_POINT_GROUP = "docai.plugins"
ALLOW_ENV = "DOCAI_PLUGINS"
BUILTIN = "docai"

T = TypeVar("T")


@dataclass(frozen=True)
class Entry(Generic[T]):
    """Something a plugin registered, with the distribution (and version) it came from."""

    item: T
    plugin: str
    version: str


@dataclass
class _Staged:
    models: list[ModelSpec] = field(default_factory=list)
    engines: list[EngineSpec] = field(default_factory=list)
    kinds: list[Any] = field(default_factory=list)
    commands: list[click.Command] = field(default_factory=list)


@dataclass
class PluginRegistry:
    """Everything the loaded plugins registered, by name, and a record of every plugin (broken ones too)."""

    plugins: dict[str, PluginRecord] = field(default_factory=dict)
    models: dict[str, Entry[ModelSpec]] = field(default_factory=dict)
    engines: dict[str, Entry[EngineSpec]] = field(default_factory=dict)
    kinds: dict[str, Entry[Any]] = field(default_factory=dict)
    commands: dict[str, Entry[click.Command]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._pm = pluggy.PluginManager(hookspecs.PROJECT)
        self._pm.add_hookspecs(hookspecs)

    def add_plugin(self, plugin: object, name: str, version: str = "0") -> PluginRecord:
        """Register a plugin module (or object) with ``@hookimpl`` functions; broken → recorded, not raised."""
        try:
            self._pm.register(plugin, name=name)
        except Exception as exc:  # noqa: BLE001 - pluggy validation errors, a name registered twice
            return self.add_broken(name, version, _reason(exc))
        try:
            unknown = sorted(hc.name for hc in self._pm.get_hookcallers(plugin) or [] if not hc.has_spec())
            if unknown:
                raise ConfigError(f"implements unknown hook(s) {', '.join(unknown)}")
            staged = self._collect(plugin)
            self._check_duplicates(name, staged)
        except Exception as exc:  # noqa: BLE001 - one broken plugin must not break docai
            self._pm.unregister(plugin)
            return self.add_broken(name, version, _reason(exc))
        return self._commit(name, version, staged)

    def add_broken(self, name: str, version: str, reason: str) -> PluginRecord:
        """Record plugin ``name`` as broken with ``reason`` (one line)."""
        record = PluginRecord(name=name, version=version, status="broken", error=reason)
        self.plugins[name] = record
        return record

    def broken(self) -> list[PluginRecord]:
        """The plugins that failed to load, with their reasons."""
        return [p for p in self.plugins.values() if p.status == "broken"]

    def _collect(self, plugin: object) -> _Staged:
        staged = _Staged()

        def checked(kind: type, into: list, what: str) -> Callable[[Any], None]:
            def register(item: Any) -> None:
                if not isinstance(item, kind):
                    raise ConfigError(f"{what}() takes a {kind.__name__}, not {type(item).__name__}")
                into.append(item)
            return register

        from docai.models.kinds import ModelKind

        cli = click.Group("plugin-commands")
        arguments = {
            "register_models": {"register": checked(ModelSpec, staged.models, "register_models")},
            "register_engines": {"register": checked(EngineSpec, staged.engines, "register_engines")},
            "register_model_kinds": {"register": checked(ModelKind, staged.kinds, "register_model_kinds")},
            "register_commands": {"cli": cli},
        }
        for hook_name, kwargs in arguments.items():
            for impl in getattr(self._pm.hook, hook_name).get_hookimpls():
                if impl.plugin is plugin:
                    impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
        staged.commands = list(cli.commands.values())
        return staged

    def _check_duplicates(self, name: str, staged: _Staged) -> None:
        for kind in staged.kinds:
            check_name(kind.name, "model kind")
        groups = (("model family", self.models, [m.family for m in staged.models]),
                  ("engine", self.engines, [e.name for e in staged.engines]),
                  ("model kind", self.kinds, [k.name for k in staged.kinds]),
                  ("command", self.commands, [c.name for c in staged.commands]))
        for what, existing, names in groups:
            seen: set[str] = set()
            for item in names:
                if item in existing:
                    raise ConfigError(f"{what} {item!r} is registered by both {existing[item].plugin} and {name}")
                if item in seen:
                    raise ConfigError(f"{what} {item!r} is registered twice by {name}")
                seen.add(item)

    def _commit(self, name: str, version: str, staged: _Staged) -> PluginRecord:
        for spec in staged.models:
            self.models[spec.family] = Entry(spec, name, version)
        for engine in staged.engines:
            self.engines[engine.name] = Entry(engine, name, version)
        for kind in staged.kinds:
            self.kinds[kind.name] = Entry(kind, name, version)
        for command in staged.commands:
            self.commands[str(command.name)] = Entry(command, name, version)
        record = PluginRecord(name=name, version=version, models=[m.family for m in staged.models],
                              engines=[e.name for e in staged.engines], kinds=[k.name for k in staged.kinds],
                              commands=[str(c.name) for c in staged.commands])
        self.plugins[name] = record
        return record


def allowed_distributions(value: str | None = None) -> set[str] | None:
    """The ``DOCAI_PLUGINS`` allow-list as normalised names; ``None`` when unset (every plugin)."""
    value = os.environ.get(ALLOW_ENV) if value is None else value
    if value is None:
        return None
    return {normalise(name) for name in value.split(",") if name.strip()}


def normalise(name: str) -> str:
    """A distribution name as packaging compares them: lower-case, runs of ``-_.`` as one ``-``."""
    return re.sub(r"[-_.]+", "-", name.strip()).lower()


def discover(*, group: str = ENTRY_POINT_GROUP, allow: str | None = None,
             extra: Iterable[tuple[str, str, object]] = ()) -> PluginRegistry:
    """A registry with the built-ins, the allowed installed plugins, then ``extra`` (name, version, module)."""
    from docai import __version__
    from docai.plugins import builtin

    registry = PluginRegistry()
    registry.add_plugin(builtin, BUILTIN, __version__)
    allowed = allowed_distributions(allow)
    found: set[str] = set()
    for ep in sorted(entry_points(group=group), key=lambda e: (_dist_name(e), e.name)):
        dist = _dist_name(ep)
        found.add(normalise(dist))
        if allowed is not None and normalise(dist) not in allowed:
            continue
        version = ep.dist.version if ep.dist is not None else "0"
        name = dist if dist not in registry.plugins else f"{dist}:{ep.name}"
        try:
            module = ep.load()
        except Exception as exc:  # noqa: BLE001 - an import error is this plugin's, not docai's
            registry.add_broken(name, version, _reason(exc))
            continue
        registry.add_plugin(module, name, version)
    for missing in sorted((allowed or set()) - found):
        registry.add_broken(missing, "-", f"named in {ALLOW_ENV} but not installed")
    for name, version, module in extra:
        registry.add_plugin(module, name, version)
    return registry


def _dist_name(ep: Any) -> str:
    return ep.dist.name if getattr(ep, "dist", None) is not None else ep.name


def _reason(exc: BaseException) -> str:
    if isinstance(exc, DocaiError):
        return str(exc)
    if isinstance(exc, pluggy.PluginValidationError):  # its first line names the hook, the next ones why
        return " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


_registry: PluginRegistry | None = None
_lock = threading.Lock()


def get_registry() -> PluginRegistry:
    """The process-wide registry (discovered on first use)."""
    global _registry
    with _lock:
        if _registry is None:
            _registry = discover()
        return _registry


def set_registry(registry: PluginRegistry | None) -> None:
    """Use ``registry`` process-wide (tests; a host embedding docai); ``None`` rediscovers on next use."""
    global _registry
    with _lock:
        _registry = registry


def reset_registry() -> None:
    """Forget the discovered plugins (tests; after installing a plugin at run time)."""
    set_registry(None)
