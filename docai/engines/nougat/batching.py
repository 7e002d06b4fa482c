"""How many pages to decode together, and in which dtype: what pays off on the device.

Batched decoding is compute-bound where token-by-token decoding is memory-bound: the dtype and the
batch size on CPU come from what the running CPU measurably does (:func:`docai.models.device.decode_batch_size`,
:func:`docai.models.device.batched_decoding_dtype`), capped here by the memory a page needs.
``$DOCAI_DTYPE`` still decides the dtype when it is set.
"""

from __future__ import annotations

import os

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
    from docai.models.device import decode_batch_size

    device = stepper.device
    cap = decode_batch_size(device, stepper.dtype)
    free = free_memory(device)
    if free is None:
        return 1 if device.type != "cpu" else 4
    return max(1, min(cap, int(free * fraction) // max(1, page_bytes(stepper, max_length))))
