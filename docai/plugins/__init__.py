"""The plugin system: models from installed packages, found through the ``docai.plugins`` entry points.

See :mod:`docai.plugins.registry` for how a plugin registers models and
:mod:`docai.plugins.capabilities` for the protocol behind each capability.
"""

from docai.plugins.registry import ENTRY_POINT_GROUP, PluginRegistry, discover, get_registry, reset_registry

__all__ = ["ENTRY_POINT_GROUP", "PluginRegistry", "discover", "get_registry", "reset_registry"]
