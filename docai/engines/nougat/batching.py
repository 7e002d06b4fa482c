"""How many pages to decode together, and in which dtype: what pays off on the device.

Batched greedy decoding is compute-bound where token-by-token decoding is memory-bound, so on a CPU
with native bf16 matrix units (AMX, AVX512-BF16) the decoder runs bf16 by default: measured on one
core of such a CPU, an mBART step of nougat-base at batch 8 takes 72 ms in bf16 against 289 ms in
fp32 (at batch 1: 50 ms against 91 ms). ``$DOCAI_DTYPE`` still decides when it is set.
"""

from __future__ import annotations

import os

#: most pages per batch on CPU: measured fp32 decoding gains 2.5x per token at batch 8 and 3.9x at 16
CPU_MAX_BATCH = 16
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
