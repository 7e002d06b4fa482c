"""CLIP on a batch: unit-length image and text embeddings, their similarities, zero-shot labels.

Every function takes a loaded ``CLIPModel`` (``.model``, ``.processor``, ``.device``, ``.dtype``). Texts
are padded with CLIP's end token and masked; the text embedding is read at the first end token, so a
batch gives the items' one-by-one values (tested).
"""

from __future__ import annotations

from typing import Any


def image_embeddings(loaded: Any, images: list) -> list[list[float]]:
    """Unit-length image embeddings (CLIP's projected [CLS] state), one per image."""
    return _images(loaded, images).tolist()


def text_embeddings(loaded: Any, texts: list[str]) -> list[list[float]]:
    """Unit-length text embeddings (CLIP's projected end-token state), one per text."""
    return _texts(loaded, texts).tolist()


def zero_shot(loaded: Any, images: list, prompts: list[str]) -> list[list[float]]:
    """Per image, the probability of each prompt ("a photo of a cat.") — the softmax of CLIP's scaled
    cosine similarities, as CLIP classifies zero-shot."""
    import torch

    if not prompts:
        raise ValueError("zero-shot needs at least one label")
    scale = loaded.model.logit_scale.detach().float().exp()
    return torch.softmax(scale * _images(loaded, images) @ _texts(loaded, prompts).T, dim=-1).tolist()


def similarity(loaded: Any, images: list, texts: list[str]) -> list[list[float]]:
    """Cosine similarity of every image's embedding with every text's: ``len(images)`` rows."""
    return (_images(loaded, images) @ _texts(loaded, texts).T).tolist()


def _images(loaded: Any, images: list):
    import torch
    from torch.nn.functional import normalize

    pixels = loaded.processor.image_processor(images=images, return_tensors="pt")["pixel_values"]
    with torch.inference_mode():
        out = loaded.model.get_image_features(pixel_values=pixels.to(device=loaded.device, dtype=loaded.dtype))
    return normalize(_pooled(out).float(), dim=-1)


def _texts(loaded: Any, texts: list[str]):
    import torch
    from torch.nn.functional import normalize

    tokens = loaded.processor.tokenizer(list(texts), padding=True, truncation=True, return_tensors="pt")
    with torch.inference_mode():
        out = loaded.model.get_text_features(input_ids=tokens["input_ids"].to(loaded.device),
                                             attention_mask=tokens["attention_mask"].to(loaded.device))
    return normalize(_pooled(out).float(), dim=-1)


def _pooled(out):
    """transformers 5 returns an output whose ``pooler_output`` is the projection; 4.x a bare tensor."""
    return getattr(out, "pooler_output", out)
