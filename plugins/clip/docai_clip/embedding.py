"""CLIP on a batch: unit-length image and text embeddings, zero-shot labels, text-to-image retrieval.

Every function takes a loaded ``CLIPModel`` (``.model``, ``.processor``, ``.device``, ``.dtype``). Texts
are padded with CLIP's end token and masked; the text embedding is read at the first end token, so a
batch gives the items' one-by-one values (tested).
"""

from __future__ import annotations

from typing import Any

#: CLIP's own default prompt (the paper's "A photo of a {label}."); ``{}`` is replaced by the label.
DEFAULT_TEMPLATES: tuple[str, ...] = ("a photo of a {}.",)


def image_embeddings(loaded: Any, images: list) -> list[list[float]]:
    """Unit-length image embeddings (CLIP's projected [CLS] state), one per image."""
    return _images(loaded, images).tolist()


def text_embeddings(loaded: Any, texts: list[str]) -> list[list[float]]:
    """Unit-length text embeddings (CLIP's projected end-token state), one per text."""
    return _texts(loaded, texts).tolist()


def zero_shot(loaded: Any, images: list, labels: list[str],
              templates: tuple[str, ...] | list[str] = DEFAULT_TEMPLATES) -> list[dict[str, float]]:
    """Per image, the probability of each label (softmax over CLIP's scaled cosine similarities).

    Each label is written into every template ("a photo of a {}."); its text embedding is the
    normalised mean over the templates — CLIP's prompt ensembling.
    """
    import torch

    if not labels:
        raise ValueError("zero-shot needs at least one label")
    classes = label_embeddings(loaded, labels, templates)
    scale = loaded.model.logit_scale.detach().float().exp()
    probs = torch.softmax(scale * _images(loaded, images) @ classes.T, dim=-1)
    return [dict(zip(labels, row, strict=True)) for row in probs.tolist()]


def label_embeddings(loaded: Any, labels: list[str], templates: tuple[str, ...] | list[str] = DEFAULT_TEMPLATES):
    """One unit-length embedding per label: the normalised mean of its templated texts' embeddings."""
    from torch.nn.functional import normalize

    if not templates or any("{}" not in t for t in templates):
        raise ValueError("every prompt template must contain {} where the label goes")
    texts = [template.format(label) for label in labels for template in templates]
    per_text = _texts(loaded, texts).reshape(len(labels), len(templates), -1)
    return normalize(per_text.mean(dim=1), dim=-1)


def retrieve(loaded: Any, text: str, images: list, *, top_k: int | None = None) -> list[tuple[int, float]]:
    """The images that best match ``text``: (index into ``images``, cosine similarity), best first."""
    scores = (_images(loaded, images) @ _texts(loaded, [text])[0]).tolist()
    ranked = sorted(enumerate(scores), key=lambda item: (-item[1], item[0]))
    return ranked[:top_k] if top_k is not None else ranked


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
