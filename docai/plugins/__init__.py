"""The plugin platform: model families, page engines, loader kinds and commands from installed packages.

A plugin implements the hooks of :mod:`docai.plugins.hookspecs` (marked with :data:`hookimpl`) and is named
by an entry point of the ``docai.plugins`` group; see ``docs/plugins.md`` for a complete template.

- :class:`ModelSpec`, :class:`EngineSpec`, :class:`ModelOptions` — what a plugin declares
- :mod:`docai.plugins.capabilities` — one base class per capability (``Captioner``, ``Embedder`` …)
- :func:`get_registry` — what the installed plugins registered, and which are broken
- :func:`get_model` — a model by ``FAMILY:CHECKPOINT``, created once per process, LRU-unloaded

Importing this package imports neither torch nor any plugin's model code.
"""

from docai.plugins.hookspecs import hookimpl
from docai.plugins.registry import (
    ENTRY_POINT_GROUP,
    PluginRegistry,
    discover,
    get_registry,
    reset_registry,
    set_registry,
)
from docai.plugins.specs import EngineSpec, ModelOptions, ModelSpec, parse_model_id

__all__ = [
    "ENTRY_POINT_GROUP",
    "EngineSpec",
    "ModelOptions",
    "ModelSpec",
    "PluginRegistry",
    "discover",
    "get_model",
    "get_registry",
    "hookimpl",
    "parse_model_id",
    "reset_registry",
    "set_registry",
]


def get_model(model_id, options=None, *, capability=None):
    """The process-wide model for ``FAMILY:CHECKPOINT`` (see :func:`docai.plugins.models.get_model`)."""
    from docai.plugins.models import get_model as _get_model

    return _get_model(model_id, options, capability=capability)
