"""Model loading for docai: one loader for every checkpoint, device/dtype choice, tiny test checkpoints.

Public API (heavy libraries are imported only when a model is actually loaded):

- :func:`load_model` → :class:`LoadedModel` — hub id or local dir, safetensors only, offline honoured
- :func:`resolve_checkpoint` — the resolve + safety step alone, for other model families
- :func:`choose_device`, :func:`choose_dtype`
- :func:`write_tiny_model`, :func:`tiny_model_dir` — tiny random Nougat/Donut checkpoints for tests
"""

from __future__ import annotations

import importlib

#: public name → the module that defines it; imported on first use, so ``from docai.models.kinds import
#: ModelKind`` (what listing plugins needs) does not load the loader, the tiny writers and their imports
_EXPORTS = {
    "Checkpoint": "docai.models.checkpoint", "resolve_checkpoint": "docai.models.checkpoint",
    "weights_stamp": "docai.models.checkpoint", "choose_device": "docai.models.device",
    "choose_dtype": "docai.models.device", "LoadedModel": "docai.models.loader",
    "cached_models": "docai.models.loader", "clear_model_cache": "docai.models.loader",
    "load_model": "docai.models.loader", "tiny_model_dir": "docai.models.tiny", "write_tiny_model": "docai.models.tiny",
}


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'docai.models' has no attribute {name!r}")


__all__ = [
    "Checkpoint",
    "LoadedModel",
    "cached_models",
    "choose_device",
    "choose_dtype",
    "clear_model_cache",
    "load_model",
    "resolve_checkpoint",
    "tiny_model_dir",
    "weights_stamp",
    "write_tiny_model",
]
