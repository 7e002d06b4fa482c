"""Turning a batch of PIL images into the pixel tensor a BLIP model takes."""

from __future__ import annotations

from typing import Any


def pixel_values(loaded: Any, images: list):
    """The processor's pixel tensor for ``images``, on the model's device and in its dtype."""
    pixels = loaded.processor.image_processor(images=images, return_tensors="pt")["pixel_values"]
    return pixels.to(device=loaded.device, dtype=loaded.dtype)
