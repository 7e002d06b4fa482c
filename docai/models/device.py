"""Device and dtype choice for model inference: arguments, then ``DOCAI_DEVICE``/``DOCAI_DTYPE``, then defaults.

Defaults: CUDA when available, else Apple MPS, else CPU. CUDA runs bf16 (fp16 on GPUs without bf16).
On CPU the model runs fp32, except that an image encoder runs bf16 where the processor has native bf16
matrix units (AMX or AVX512-BF16): measured there, bf16 makes the Swin encoder about 2x faster but the
token-by-token mBART decoder no faster (0.8-1.1x), and the decoder dominates a page. The numbers are in
``docs/models.md`` (``bench/model_dtype.py``).
"""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING

from docai.errors import ConfigError

if TYPE_CHECKING:
    import torch

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
    if device.type == "cpu" and not explicit and cpu_has_native_bf16():
        return torch.bfloat16
    return model_dtype


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
    """The dtype for a decoder that runs whole batches of pages: ``"bf16"`` on a CPU with native bf16
    units (one mBART step at batch 8: 72 ms bf16 vs 289 ms fp32, measured here; at batch 1 bf16 does not
    pay, hence the loader's fp32 default), unless ``$DOCAI_DTYPE`` says otherwise; else ``None`` (the
    loader's own choice)."""
    if os.environ.get(DTYPE_ENV):
        return None
    return "bf16" if choose_device(device).type == "cpu" and cpu_has_native_bf16() else None
