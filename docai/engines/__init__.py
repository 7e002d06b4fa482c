"""Page engines behind one interface (:class:`docai.engines.base.Engine`), created by name.

Core keeps no list of engines: they are what the plugins registered through ``register_engines`` (the
built-in text, ocr, nougat and donut engines come from :mod:`docai.plugins.builtin`). An engine named
``FAMILY:CHECKPOINT`` is a plugin model with the ``read_page`` capability used as a page engine.
Engines import their heavy libraries lazily and are kept per process once created, so a worker or a
long-running CLI loads a model once.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from docai.errors import ConfigError, dependency_error
from docai.fields import OptionField

if TYPE_CHECKING:
    from pydantic import BaseModel
    from pydantic.fields import FieldInfo

    from docai.engines.base import Engine
    from docai.options import ConvertOptions
    from docai.plugins.specs import EngineSpec

_instances: dict[tuple, Engine] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class EngineField(OptionField):
    """One field of an engine's options; its flat name (``ocr_dpi``) is ``<engine>_<field>``."""

    @property
    def engine(self) -> str:
        return self.prefix


def engine_specs() -> dict[str, EngineSpec]:
    """Every registered page engine by name, in registration order (built-ins first)."""
    from docai.plugins.registry import get_registry

    return {name: entry.item for name, entry in get_registry().engines.items()}


def engine_spec(name: str) -> EngineSpec:
    """The registered engine ``name``, or one ConfigError line listing the known ones."""
    specs = engine_specs()
    if name not in specs:
        raise ConfigError(f"unknown engine {name!r}: choose one of {', '.join(specs)} "
                          "(or FAMILY:CHECKPOINT for a model that can read_page)")
    return specs[name]


def page_model_options() -> dict[str, type[BaseModel]]:
    """The options class of each installed model family that can ``read_page`` (``--engine FAMILY:CKPT``),
    by family; a family named like a built-in engine is left out (its engine's options keep the name)."""
    from docai.plugins.registry import get_registry
    from schemas.plugins import Capability

    engines = engine_specs()
    return {family: entry.item.options_class() for family, entry in get_registry().models.items()
            if family not in engines and Capability.read_page in entry.item.capabilities}


def own_model_fields(cls: type[BaseModel]) -> dict[str, FieldInfo]:
    """A model family's own option fields: those beyond :class:`docai.plugins.ModelOptions` (which are
    runtime settings — device, dtype, batch size — set by the conversion itself)."""
    from docai.plugins.specs import ModelOptions

    return {name: info for name, info in cls.model_fields.items() if name not in ModelOptions.model_fields}


def engine_fields() -> dict[str, EngineField]:
    """Every engine option by its flat name (``ocr_dpi``, ``donut_task`` …), then each read_page model
    family's own options (``llava_page_prompt``), which ``--engine FAMILY:CHECKPOINT`` passes to the model."""
    fields: dict[str, EngineField] = {}
    sources = [(name, spec.options_class()) for name, spec in engine_specs().items()]
    sources += [(family, cls) for family, cls in page_model_options().items()]
    for name, cls in sources:
        declared = own_model_fields(cls) if name not in engine_specs() else (cls.model_fields if cls else {})
        for field_name, info in declared.items():
            field = EngineField(name=field_name, info=info, prefix=name)
            if field.flat in fields:
                raise ConfigError(f"engine option {field.flat!r} is declared by both engine {fields[field.flat].engine!r} "
                                  f"and engine {name!r}")
            fields[field.flat] = field
    return fields


def engine_options_for(name: str, values: dict[str, Any] | None = None) -> BaseModel | None:
    """Engine ``name``'s options validated from ``values`` (None for an engine without options); for a
    read_page model family, its options class."""
    models = page_model_options()
    if name in models and name not in engine_specs():
        return models[name].model_validate(values or {})
    cls = engine_spec(name).options_class()
    return None if cls is None else cls.model_validate(values or {})


def engine_options_key(name: str) -> str:
    """The key of engine ``name``'s options in :attr:`ConvertOptions.engine_options` (a model engine
    ``FAMILY:CHECKPOINT`` keeps its family's options under ``FAMILY``)."""
    return name.partition(":")[0] if is_model_engine(name) else name


def is_model_engine(name: str) -> bool:
    """True for ``FAMILY:CHECKPOINT``: a plugin model used as a page engine."""
    return ":" in name


def engine_queue(name: str) -> str:
    """``"cpu"`` or ``"gpu"``: where engine ``name``'s pages run on the job queue (models: gpu)."""
    return "gpu" if is_model_engine(name) else engine_spec(name).queue


def engine_key(name: str, options: ConvertOptions) -> tuple:
    """What makes two engine instances differ: its own options, the batch size and pickle permission."""
    own = options.engine_options.get(engine_options_key(name), {})
    return (name, json.dumps(own, sort_keys=True, default=str), options.batch_size, options.allow_pickle)


def get_engine(name: str, options: ConvertOptions) -> Engine:
    """The process-wide engine ``name`` configured for ``options`` (created on first use)."""
    factory = "docai.engines.model_pages:create" if is_model_engine(name) else engine_spec(name).factory
    key = engine_key(name, options)
    with _lock:
        if key not in _instances:
            from docai.plugins.specs import import_ref

            try:
                create = import_ref(factory)
                _instances[key] = create(options, name) if is_model_engine(name) else create(options)
            except ModuleNotFoundError as exc:
                missing = dependency_error(exc)
                if missing is None:
                    raise
                raise missing from None
        return _instances[key]


def clear_engines() -> None:
    """Forget every created engine (tests, or a worker freeing memory)."""
    with _lock:
        _instances.clear()
