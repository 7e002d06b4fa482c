"""The one model loader: ``load_model(name_or_path, kind=...)`` → a ready :class:`LoadedModel`.

Resolution and safety (hub id or directory, safetensors only, offline) live in
:mod:`docai.models.checkpoint`; what a kind must look like lives in :mod:`docai.models.kinds`; this module
puts the parts together — model in eval mode on its device and dtype, image processor, tokenizer and
processor — and keeps one copy per process for each (checkpoint, kind, device, dtype, sdpa).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docai.errors import ConfigError, ModelError
from docai.models.checkpoint import Checkpoint, resolve_checkpoint
from docai.models.device import choose_device, choose_dtype, choose_encoder_dtype, dtype_name
from docai.models.kinds import ModelKind, detect_kind
from docai.models.parts import load_part, load_processors, resolve_class

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedModel:
    """A checkpoint ready for inference: every part a caller needs, and where it came from."""

    name: str  # as given (hub id or path)
    kind: str  # "nougat", "donut", …
    model: Any  # torch module in eval mode on ``device`` in ``dtype``
    processor: Any  # e.g. NougatProcessor: image processor + tokenizer
    image_processor: Any
    tokenizer: Any
    config: Any  # the model's transformers config
    device: torch.device
    dtype: torch.dtype  # of the model (decoder); inputs may be given in any float dtype
    source: Path  # the local checkpoint directory
    sdpa: bool  # whether the encoder's window attention runs through SDPA
    encoder_dtype: torch.dtype | None = None  # the image encoder's dtype when it differs from ``dtype``

    @property
    def generation_config(self) -> Any:
        """The checkpoint's generation defaults (``max_length``, special token ids)."""
        return self.model.generation_config


_cache: dict[tuple, LoadedModel] = {}
_cache_lock = threading.Lock()
_load_locks: dict[tuple, threading.Lock] = {}


def load_model(name_or_path: str | os.PathLike, *, kind: str | None = None,
               device: str | torch.device | None = None, dtype: str | torch.dtype | None = None,
               allow_pickle: bool = False, sdpa: bool = True, revision: str | None = None) -> LoadedModel:
    """Load (once per process) the checkpoint ``name_or_path``: a hub id or a local directory.

    ``kind`` (a registered kind: "nougat", "donut", a plugin's) is checked against the checkpoint, or
    detected when None from its config's ``model_type`` and ``architectures``. ``device`` and
    ``dtype`` default to ``$DOCAI_DEVICE``/``$DOCAI_DTYPE``, then CUDA+bf16 or CPU with the measured
    default (see :mod:`docai.models.device`). Only safetensors weights load unless ``allow_pickle``;
    remote code never runs. ``sdpa`` switches a DonutSwin encoder to the fused-attention path.
    Raises :class:`ModelError` (one line) when the model cannot be found, is unsafe or is the wrong kind,
    and :class:`ConfigError` for a device or dtype that cannot be used.
    """
    torch_device = choose_device(device)
    torch_dtype = choose_dtype(torch_device, dtype)
    encoder_dtype = choose_encoder_dtype(torch_device, dtype)
    checkpoint = resolve_checkpoint(name_or_path, allow_pickle=allow_pickle, revision=revision)
    model_kind = detect_kind(checkpoint.path, checkpoint.name, kind)
    if not model_kind.split_dtype:
        encoder_dtype = torch_dtype
    key = (str(checkpoint.path), model_kind.name, str(torch_device), dtype_name(torch_dtype),
           dtype_name(encoder_dtype), sdpa)
    with _cache_lock:
        if key in _cache:
            return _cache[key]
        key_lock = _load_locks.setdefault(key, threading.Lock())
    with key_lock:  # two threads asking for the same model load it once; different models load in parallel
        with _cache_lock:
            if key in _cache:
                return _cache[key]
        loaded = _load(checkpoint, model_kind, torch_device, torch_dtype, encoder_dtype, sdpa=sdpa)
        with _cache_lock:
            _cache[key] = loaded
        return loaded


def clear_model_cache() -> None:
    """Forget every loaded model (tests, or a worker freeing memory)."""
    with _cache_lock:
        _cache.clear()
        _load_locks.clear()


def release_model(loaded: LoadedModel) -> None:
    """Forget one loaded model, so its weights are freed once its users drop it (a plugin model's
    ``close()``, when the model lifecycle unloads it under the memory budget)."""
    with _cache_lock:
        for key in [k for k, v in _cache.items() if v is loaded]:
            del _cache[key]


def cached_models() -> list[LoadedModel]:
    """The models loaded in this process (for health checks and tests)."""
    with _cache_lock:
        return list(_cache.values())


def _load(checkpoint: Checkpoint, kind: ModelKind, device: torch.device, dtype: torch.dtype,
          encoder_dtype: torch.dtype, *, sdpa: bool) -> LoadedModel:
    path, name = checkpoint.path, checkpoint.name
    with quiet_transformers():
        parts = load_processors(kind, path, name)
        model_class = resolve_class(kind.model_class, "model")
        model = load_part("weights", name, lambda: model_class.from_pretrained(
            path, dtype=dtype, use_safetensors=checkpoint.uses_safetensors, local_files_only=True,
            trust_remote_code=False))
    try:
        model = model.to(device).eval()
    except (RuntimeError, TypeError) as exc:
        raise ConfigError(f"model {name!r} cannot run on {device} in {dtype_name(dtype)}: {_first_line(exc)}") from None
    if encoder_dtype != dtype:
        run_encoder_in(model, encoder_dtype, output_dtype=dtype)
    use_sdpa = sdpa and kind.sdpa_capable and _enable_swin_sdpa(model, name)
    log.info("loaded %s model %s from %s on %s (%s, encoder %s, sdpa=%s)", kind.name, name, path, device,
             dtype_name(dtype), dtype_name(encoder_dtype), use_sdpa)
    return LoadedModel(name=name, kind=kind.name, model=model, processor=parts.processor,
                       image_processor=parts.image_processor, tokenizer=parts.tokenizer, config=model.config,
                       device=device, dtype=dtype, source=path, sdpa=use_sdpa,
                       encoder_dtype=encoder_dtype if encoder_dtype != dtype else None)


def run_encoder_in(model, encoder_dtype: torch.dtype, *, output_dtype: torch.dtype) -> None:
    """Run ``model.encoder`` in ``encoder_dtype`` inside a model otherwise in ``output_dtype``.

    Hooks cast the encoder's floating-point input to its dtype and its ``last_hidden_state`` back, so
    ``generate``, ``forward`` and a direct ``model.encoder(...)`` call all work with inputs in any dtype.
    """
    import torch

    encoder = model.encoder.to(encoder_dtype)

    def cast_input(module, args, kwargs):
        args = tuple(a.to(encoder_dtype) if torch.is_tensor(a) and a.is_floating_point() else a for a in args)
        if torch.is_tensor(kwargs.get("pixel_values")):
            kwargs["pixel_values"] = kwargs["pixel_values"].to(encoder_dtype)
        return args, kwargs

    def cast_output(module, args, kwargs, output):
        if getattr(output, "last_hidden_state", None) is not None:
            output.last_hidden_state = output.last_hidden_state.to(output_dtype)
        elif isinstance(output, tuple) and output and torch.is_tensor(output[0]):
            output = (output[0].to(output_dtype), *output[1:])
        return output

    encoder.register_forward_pre_hook(cast_input, with_kwargs=True)
    encoder.register_forward_hook(cast_output, with_kwargs=True)


def _enable_swin_sdpa(model, name: str) -> bool:
    """Switch the DonutSwin window attention to SDPA; False (and a log line) when that path is unavailable."""
    try:
        from docai.models.swin_sdpa import enable_sdpa
    except ImportError:
        return False
    try:
        return enable_sdpa(model) > 0
    except ModelError as exc:
        log.warning("model %s: keeping eager Swin attention: %s", name, exc)
        return False


@contextlib.contextmanager
def quiet_transformers():
    """Context: no progress bars or info chatter from transformers while loading (warnings still show)."""
    from transformers.utils import logging as hf_logging

    bars = hf_logging.is_progress_bar_enabled()
    verbosity = hf_logging.get_verbosity()
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
