"""Turning a batch of PIL images into the pixel tensor a BLIP model takes."""

from __future__ import annotations

from typing import Any


def pixel_values(loaded: Any, images: list):
    """The processor's pixel tensor for ``images``, on the model's device and in its dtype."""
    pixels = loaded.processor.image_processor(images=images, return_tensors="pt")["pixel_values"]
    return pixels.to(device=loaded.device, dtype=loaded.dtype)


def image_states(loaded: Any, images: list):
    """The vision encoder's hidden states for ``images`` (one image per forward on CPU, where a batch
    only slows the encoder down: :mod:`docai.models.encoding`)."""
    from docai.models.encoding import encode_in_chunks

    vision = loaded.model.vision_model
    return encode_in_chunks(lambda pixels: vision(pixel_values=pixels)[0], pixel_values(loaded, images))
