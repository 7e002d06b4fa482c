"""Model loading for docai: one loader for every checkpoint, device/dtype choice, tiny test checkpoints.

Public API (heavy libraries are imported only when a model is actually loaded):

- :func:`load_model` → :class:`LoadedModel` — hub id or local dir, safetensors only, offline honoured
- :func:`resolve_checkpoint` — the resolve + safety step alone, for other model families
- :func:`choose_device`, :func:`choose_dtype`
- :func:`write_tiny_model`, :func:`tiny_model_dir` — tiny random Nougat/Donut checkpoints for tests
"""

from __future__ import annotations

from docai.models.checkpoint import Checkpoint, resolve_checkpoint, weights_stamp
from docai.models.device import choose_device, choose_dtype
from docai.models.loader import LoadedModel, cached_models, clear_model_cache, load_model
from docai.models.tiny import tiny_model_dir, write_tiny_model

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
