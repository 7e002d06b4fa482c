"""Image encoders on a batch: how many images go through one forward pass.

On CPU an image encoder runs one image per forward. One image is already hundreds to thousands of rows
per matrix product, so a batch adds only memory traffic (attention scores and activations that no longer
fit the caches). Measured: the Swin encoder of Nougat in bf16 on an AMD EPYC took 19 s/page at batch 16
against 7.8 s/page at batch 1 (``bench/nougat_decode.py``); BLIP-base's ViT-B/16 at 384² on an Intel Xeon
with AMX took 0.348 s/image at batch 8 against 0.231 at batch 1 in bf16, 0.831 against 0.634 in fp32
(``bench/plugins.py``). A decoder keeps the whole batch: that is where batching pays. Elsewhere (CUDA,
MPS) the whole batch goes through at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

#: images per image-encoder forward on CPU
CPU_ENCODER_CHUNK = 1


def encoder_chunk(device: torch.device, count: int) -> int:
    """Images per encoder forward on ``device`` for a batch of ``count``."""
    return CPU_ENCODER_CHUNK if device.type == "cpu" else max(1, count)


def encode_in_chunks(run: Callable[[torch.Tensor], torch.Tensor], pixel_values: torch.Tensor,
                     chunk: int | None = None) -> torch.Tensor:
    """``run`` (pixels → hidden states, batch first) over ``pixel_values`` ``chunk`` images at a time
    (default: :func:`encoder_chunk` for the pixels' device), the outputs concatenated, without autograd."""
    import torch

    if chunk is None:
        chunk = encoder_chunk(pixel_values.device, len(pixel_values))
    chunk = max(1, chunk)
    with torch.inference_mode():
        parts = [run(pixel_values[first:first + chunk]) for first in range(0, max(1, len(pixel_values)), chunk)]
    return torch.cat(parts) if len(parts) != 1 else parts[0]
