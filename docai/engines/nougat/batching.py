"""How many pages to decode together: from free memory, and what pays off on the device."""

from __future__ import annotations

import os

#: most pages per batch on CPU: decoding is memory-bound at batch 1 and compute-bound by batch ~8
CPU_MAX_BATCH = 8
GPU_MAX_BATCH = 64
#: working memory per page beside the caches (Swin activations, logits), bytes per element
_ENCODER_BYTES_PER_PIXEL = 400


def page_bytes(stepper, max_length: int, encoder_tokens: int = 588, pixels: int = 896 * 672) -> int:
    """Bytes one page needs while decoding: self- and cross-attention caches plus encoder activations."""
    element = stepper.lm_head.weight.element_size()
    width = stepper.heads * stepper.head_dim
    layers = len(stepper.layers)
    caches = 2 * layers * width * element * (max_length + encoder_tokens)
    logits = 4 * stepper.lm_head.weight.shape[0] * 4
    return caches + logits + pixels * _ENCODER_BYTES_PER_PIXEL * element // 4


def free_memory(device) -> int | None:
    """Bytes free on ``device`` (None when unknown)."""
    if device.type == "cuda":
        import torch

        return int(torch.cuda.mem_get_info(device)[0])
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def choose_batch_size(stepper, max_length: int, *, fraction: float = 0.5) -> int:
    """Pages per batch: what fits in ``fraction`` of free memory, capped per device type."""
    device = stepper.device
    cap = CPU_MAX_BATCH if device.type == "cpu" else GPU_MAX_BATCH
    free = free_memory(device)
    if free is None:
        return 1 if device.type != "cpu" else 4
    return max(1, min(cap, int(free * fraction) // max(1, page_bytes(stepper, max_length))))
