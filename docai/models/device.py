"""Device and dtype choice for model inference: arguments, then ``DOCAI_DEVICE``/``DOCAI_DTYPE``, then defaults.

Defaults: CUDA when available, else Apple MPS, else CPU. CUDA runs bf16 (fp16 on GPUs without bf16).
On CPU a model runs fp32 at batch 1 (token-by-token decoding is memory-bound: bf16 gains little or
loses). Where bf16 pays is decided by what the running CPU measurably does, not by its flags alone:
:mod:`docai.models.cpu_probe` times a transformer block in both dtypes, once per machine. Image encoders
(many rows per matrix product) and decoders running whole batches switch to bf16 where the CPU has
native bf16 units *and* the probe finds bf16 at least 1.15x faster at that shape; the batch size of
batched decoding is where the probe stops gaining per row. ``bench/nougat_decode.py`` and
``bench/vlm_decode.py`` check the choice on real model shapes (``bench/RESULTS.md``).
"""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING

from docai.errors import ConfigError

if TYPE_CHECKING:
    import torch

#: rows of the encoder-like shape the probe times (an image encoder multiplies hundreds of rows at once)
ENCODER_ROWS = 128
#: sequences decoded together on CPU when no probe decides; at most this many on an accelerator
CPU_DEFAULT_BATCH = 16
GPU_MAX_BATCH = 64

DEVICE_ENV = "DOCAI_DEVICE"
DTYPE_ENV = "DOCAI_DTYPE"

#: accepted spellings → torch dtype attribute name
DTYPE_NAMES: dict[str, str] = {
    "fp32": "float32", "float32": "float32", "float": "float32",
    "bf16": "bfloat16", "bfloat16": "bfloat16",
    "fp16": "float16", "float16": "float16", "half": "float16",
}


def choose_device(device: str | torch.device | None = None) -> torch.device:
    """The device to run on: ``device`` if given, else ``$DOCAI_DEVICE``, else the best available."""
    import torch

    requested = device if device is not None else (os.environ.get(DEVICE_ENV) or None)
    if requested is None or str(requested) == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        chosen = torch.device(requested)
    except (RuntimeError, TypeError):
        raise ConfigError(f"unknown device {requested!r}: use cpu, cuda, cuda:N, mps or auto") from None
    if chosen.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"device {requested!r} requested but CUDA is not available here")
    if chosen.type == "cuda" and chosen.index is not None and chosen.index >= torch.cuda.device_count():
        raise ConfigError(f"device {requested!r}: only {torch.cuda.device_count()} CUDA device(s) here")
    if chosen.type == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ConfigError(f"device {requested!r} requested but MPS is not available here")
    if chosen.type not in {"cpu", "cuda", "mps"}:
        raise ConfigError(f"unsupported device {requested!r}: use cpu, cuda, cuda:N, mps or auto")
    return chosen


def parse_dtype(name: str | torch.dtype) -> torch.dtype:
    """``"bf16"``/``"bfloat16"``/``torch.bfloat16`` … → a torch dtype, or a one-line ConfigError."""
    import torch

    if isinstance(name, torch.dtype):
        if name not in {torch.float32, torch.bfloat16, torch.float16}:
            raise ConfigError(f"unsupported dtype {name}: use fp32, bf16 or fp16")
        return name
    key = str(name).strip().lower().removeprefix("torch.")
    if key not in DTYPE_NAMES:
        raise ConfigError(f"unknown dtype {name!r}: use fp32, bf16, fp16 or auto")
    return getattr(torch, DTYPE_NAMES[key])


def choose_dtype(device: torch.device, dtype: str | torch.dtype | None = None) -> torch.dtype:
    """The dtype to run in on ``device``: ``dtype`` if given, else ``$DOCAI_DTYPE``, else the default."""
    import torch

    requested = dtype if dtype is not None else (os.environ.get(DTYPE_ENV) or None)
    if requested is not None and str(requested).lower() != "auto":
        chosen = parse_dtype(requested)
        if device.type == "cpu" and chosen == torch.float16:
            raise ConfigError("fp16 is not supported on CPU: use bf16 or fp32")
        return chosen
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == "mps":
        return torch.float16
    return torch.float32


def choose_encoder_dtype(device: torch.device, dtype: str | torch.dtype | None = None) -> torch.dtype:
    """The dtype of an encoder-decoder model's image encoder: the model's dtype, except on CPU by default.

    With no explicit dtype (argument or ``$DOCAI_DTYPE``), a CPU with native bf16 runs the encoder in bf16
    while the decoder stays fp32 (see the module doc); an explicit dtype applies to the whole model.
    """
    import torch

    model_dtype = choose_dtype(device, dtype)
    requested = dtype if dtype is not None else (os.environ.get(DTYPE_ENV) or None)
    explicit = requested is not None and str(requested).lower() != "auto"
    if device.type == "cpu" and not explicit and bf16_pays(ENCODER_ROWS):
        return torch.bfloat16
    return model_dtype


def bf16_pays(rows: int) -> bool:
    """Whether bf16 matrix products beat fp32 on this CPU at ``rows`` rows: native bf16 units, and the
    probe (unless ``DOCAI_CPU_PROBE=off``) measured it at least ``BF16_GAIN`` faster."""
    from docai.models.cpu_probe import BF16_GAIN, cpu_probe, probe_enabled

    if not cpu_has_native_bf16():
        return False
    return not probe_enabled() or cpu_probe().bf16_speedup(rows) >= BF16_GAIN


@functools.cache
def cpu_has_native_bf16() -> bool:
    """True when the CPU has bf16 matrix instructions (Intel AMX-BF16 or AVX512-BF16, ARM BF16)."""
    flags = _cpu_flags()
    return bool(flags & {"amx_bf16", "avx512_bf16", "bf16"})


def _cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                if key.strip() in {"flags", "Features"}:
                    return set(value.split())
    except OSError:
        pass
    return set()


def dtype_name(dtype: torch.dtype) -> str:
    """``torch.bfloat16`` → ``"bf16"`` (the short name used in cache keys, logs and docs)."""
    short = {"float32": "fp32", "bfloat16": "bf16", "float16": "fp16"}
    return short.get(str(dtype).removeprefix("torch."), str(dtype))


def batched_decoding_dtype(device: str | torch.device | None = None) -> str | None:
    """The dtype for a decoder that runs whole batches: ``"bf16"`` on a CPU where bf16 pays at the batch
    size it would run (:func:`bf16_pays`; one mBART step at batch 8 took 72 ms in bf16 against 289 ms in
    fp32 on an AMX CPU), unless ``$DOCAI_DTYPE`` says otherwise; else ``None`` (the loader's own choice)."""
    if os.environ.get(DTYPE_ENV) or choose_device(device).type != "cpu":
        return None
    return "bf16" if bf16_pays(CPU_DEFAULT_BATCH) else None


def decode_batch_size(device: torch.device, dtype: torch.dtype) -> int:
    """Sequences to decode together on ``device`` before memory limits: on CPU where the probe stops gaining
    per row (``CPU_DEFAULT_BATCH`` when the probe is off), on an accelerator ``GPU_MAX_BATCH``."""
    from docai.models.cpu_probe import cpu_probe, probe_enabled

    if device.type != "cpu":
        return GPU_MAX_BATCH
    if not probe_enabled():
        return CPU_DEFAULT_BATCH
    return cpu_probe().batch_size(dtype_name(dtype))
