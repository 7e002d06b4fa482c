"""Plugin models by id: look a family up, create a model, and keep models per process under a memory budget.

:func:`get_model` is what the CLI verbs, the queue task and the page engine call: ``get_model("blip:./ckpt")``
creates the model on first use (the family's factory imports torch then, not before), keeps it in this
process, and unloads the least recently used models when the loaded ones together exceed the budget
(``DOCAI_MODEL_MEMORY``, e.g. ``12G``; ``DOCAI_MAX_MODELS``, default 4), so several families can share one
worker.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from typing import Any

from docai.errors import ConfigError, ModelError
from docai.plugins.base import PluginModel, build_options
from docai.plugins.registry import Entry, PluginRegistry, get_registry
from docai.plugins.specs import ModelOptions, ModelSpec, import_ref, parse_model_id
from schemas.plugins import Capability, ModelRecord

log = logging.getLogger(__name__)

MEMORY_ENV = "DOCAI_MODEL_MEMORY"
MAX_MODELS_ENV = "DOCAI_MAX_MODELS"


def find_family(family: str, registry: PluginRegistry | None = None) -> Entry[ModelSpec]:
    """The registered family, or one ModelError line naming what is installed and what is broken."""
    registry = registry or get_registry()
    if family in registry.models:
        return registry.models[family]
    known = ", ".join(sorted(registry.models)) or "none installed"
    broken = "; ".join(f"{p.name} is broken: {p.error}" for p in registry.broken())
    raise ModelError(f"unknown model family {family!r} (installed: {known})" + (f"; {broken}" if broken else ""))


def model_record(entry: Entry[ModelSpec]) -> ModelRecord:
    """The public record of a registered family (options as JSON Schema; imports only its options class)."""
    spec = entry.item
    try:
        options = spec.options_class().model_json_schema()
    except Exception as exc:  # noqa: BLE001 - a listing shows the family even when its options fail
        options = {"error": str(exc)}
    return ModelRecord(family=spec.family, capabilities=list(spec.capabilities), plugin=entry.plugin,
                       plugin_version=entry.version, description=spec.description,
                       default_checkpoint=spec.default_checkpoint, options=options)


def model_records(registry: PluginRegistry | None = None, capability: Capability | str | None = None
                  ) -> list[ModelRecord]:
    """Every registered family (optionally only those with ``capability``), sorted by name."""
    registry = registry or get_registry()
    cap = Capability(capability) if capability else None
    return [model_record(entry) for _, entry in sorted(registry.models.items())
            if cap is None or cap in entry.item.capabilities]


def resolve(model_id: str, capability: Capability | str | None = None,
            registry: PluginRegistry | None = None) -> tuple[Entry[ModelSpec], str]:
    """The family entry and checkpoint of ``model_id``, checked for ``capability``."""
    family, checkpoint = parse_model_id(model_id)
    entry = find_family(family, registry)
    checkpoint = checkpoint or entry.item.default_checkpoint
    if not checkpoint:
        raise ConfigError(f"model family {family!r} has no default checkpoint: use {family}:CHECKPOINT")
    if capability is not None and Capability(capability) not in entry.item.capabilities:
        have = ", ".join(c.value for c in entry.item.capabilities)
        raise ModelError(f"model family {family!r} cannot {Capability(capability).value} (it can: {have})")
    return entry, checkpoint


def family_options(model_id: str, options: ModelOptions | dict[str, Any] | None = None,
                   registry: PluginRegistry | None = None) -> ModelOptions:
    """``options`` validated against the family's own options class (unknown fields refused)."""
    entry, _ = resolve(model_id, None, registry)
    return build_options(entry.item.options_class(), options)


def create_model(model_id: str, options: ModelOptions | dict[str, Any] | None = None, *,
                 capability: Capability | str | None = None, registry: PluginRegistry | None = None) -> PluginModel:
    """A new model instance for ``FAMILY:CHECKPOINT`` (no caching: see :func:`get_model`)."""
    entry, checkpoint = resolve(model_id, capability, registry)
    opts = build_options(entry.item.options_class(), options)
    factory = import_ref(entry.item.factory)
    model = factory(checkpoint, opts)
    if not isinstance(model, PluginModel):
        raise ModelError(f"model family {entry.item.family!r}: its factory returned {type(model).__name__}, "
                         "not a docai.plugins.PluginModel")
    missing = [c.value for c in entry.item.capabilities if c not in model.capabilities()]
    if missing:
        raise ModelError(f"model family {entry.item.family!r} declares {', '.join(missing)} but its model "
                         "class does not implement it")
    model.record = model_record(entry)
    return model


class ModelPool:
    """Models kept in one process, least recently used first out when over ``max_models`` or ``max_bytes``."""

    def __init__(self, max_models: int = 4, max_bytes: int = 0) -> None:
        self.max_models = max_models
        self.max_bytes = max_bytes
        self._models: OrderedDict[tuple, PluginModel] = OrderedDict()
        self._lock = threading.RLock()

    def get(self, model_id: str, options: ModelOptions | dict[str, Any] | None = None, *,
            capability: Capability | str | None = None, registry: PluginRegistry | None = None) -> PluginModel:
        """The cached model for (id, options), created and made room for on first use."""
        entry, checkpoint = resolve(model_id, capability, registry)
        opts = build_options(entry.item.options_class(), options)
        key = (entry.plugin, entry.item.family, checkpoint, opts.model_dump_json())
        with self._lock:
            if key in self._models:
                self._models.move_to_end(key)
                return self._models[key]
            model = create_model(model_id, opts, capability=capability, registry=registry)
            self._models[key] = model
            self._evict(keep=key)
            return model

    def loaded(self) -> list[PluginModel]:
        """The models held, least recently used first."""
        with self._lock:
            return list(self._models.values())

    def clear(self) -> None:
        """Unload every model."""
        with self._lock:
            while self._models:
                self._unload(next(iter(self._models)))

    def _evict(self, keep: tuple) -> None:
        while len(self._models) > 1 and (len(self._models) > self.max_models or self._over_budget()):
            oldest = next(k for k in self._models if k != keep)
            self._unload(oldest)

    def _over_budget(self) -> bool:
        return bool(self.max_bytes) and sum(m.memory_bytes() for m in self._models.values()) > self.max_bytes

    def _unload(self, key: tuple) -> None:
        model = self._models.pop(key)
        log.info("unloading plugin model %s", model.name)
        model.close()
        _free_accelerator_memory()


def _free_accelerator_memory() -> None:
    import sys

    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


def pool_from_env() -> ModelPool:
    """A pool sized by ``DOCAI_MAX_MODELS`` and ``DOCAI_MODEL_MEMORY`` (sizes like ``12G``)."""
    from docai.options import parse_size

    try:
        max_models = int(os.environ.get(MAX_MODELS_ENV) or 4)
    except ValueError:
        raise ConfigError(f"{MAX_MODELS_ENV} must be a whole number") from None
    try:
        budget = parse_size(os.environ[MEMORY_ENV]) if os.environ.get(MEMORY_ENV) else 0
    except ConfigError as exc:
        raise ConfigError(f"{MEMORY_ENV}: {exc}") from None
    if max_models < 1:
        raise ConfigError(f"{MAX_MODELS_ENV} must be at least 1")
    return ModelPool(max_models=max_models, max_bytes=budget)


_pool: ModelPool | None = None
_pool_lock = threading.Lock()


def get_model(model_id: str, options: ModelOptions | dict[str, Any] | None = None, *,
              capability: Capability | str | None = None) -> PluginModel:
    """The process-wide model for ``FAMILY:CHECKPOINT`` and ``options`` (see the module doc)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = pool_from_env()
        pool = _pool
    return pool.get(model_id, options, capability=capability)


def clear_models() -> None:
    """Unload every plugin model of this process (tests, or a worker freeing memory)."""
    with _pool_lock:
        if _pool is not None:
            _pool.clear()
