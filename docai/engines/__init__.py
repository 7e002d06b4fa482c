"""Page engines behind one interface (:class:`docai.engines.base.Engine`), created by name.

Engines import their heavy libraries lazily and are kept per process once created, so a worker or a
long-running CLI loads a model once.
"""

from __future__ import annotations

import importlib
import threading
from typing import TYPE_CHECKING

from docai.errors import ConfigError, dependency_error

if TYPE_CHECKING:
    from docai.engines.base import Engine
    from docai.options import ConvertOptions

#: engine name → "module:factory"; the factory takes ConvertOptions and returns an Engine.
ENGINES: dict[str, str] = {
    "text": "docai.engines.textlayer:create",
    "ocr": "docai.engines.ocr:create",
    "nougat": "docai.engines.nougat:create",
    "donut": "docai.engines.donut:create",
}

_instances: dict[tuple, Engine] = {}
_lock = threading.Lock()


def engine_key(name: str, options: ConvertOptions) -> tuple:
    return (name, tuple(sorted(options.page_fingerprint_options().items())), options.batch_size)


def get_engine(name: str, options: ConvertOptions) -> Engine:
    """The process-wide engine ``name`` configured for ``options`` (created on first use)."""
    if name not in ENGINES:
        raise ConfigError(f"unknown engine {name!r}: choose one of {', '.join(sorted(ENGINES))}")
    key = engine_key(name, options)
    with _lock:
        if key not in _instances:
            module_name, factory = ENGINES[name].split(":")
            try:
                module = importlib.import_module(module_name)
                _instances[key] = getattr(module, factory)(options)
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
