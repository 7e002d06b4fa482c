"""BLIP image-text retrieval on a batch: the ITM head, ITC similarity, image and text features.

All take a loaded ``BlipForImageTextRetrieval`` (``.model``, ``.processor``, ``.device``, ``.dtype``) and
return one row per image with one value per text. Texts are padded and the padding masked in the text
encoder's self-attention (the cross-attention to the image has no padding), so a batch gives the items'
one-by-one values (tested):

- :func:`itm_matrix` — the probability that each text describes each image, from the ITM head over the
  text encoder cross-attending to the image (BLIP's re-ranking score).
- :func:`image_features` / :func:`text_features` — the unit-length projections BLIP's ITC compares;
  :func:`itc_matrix` is their cosine similarity (-1..1).
"""

from __future__ import annotations

from typing import Any

from docai_blip.inputs import image_states


def image_features(loaded: Any, images: list) -> list[list[float]]:
    """Unit-length ITC image embeddings (``vision_proj`` of the [CLS] token), one per image."""
    return _image_features(loaded, images).tolist()


def text_features(loaded: Any, texts: list[str]) -> list[list[float]]:
    """Unit-length ITC text embeddings (``text_proj`` of the unimodal text encoder's [CLS]), one per text."""
    return _text_features(loaded, texts).tolist()


def itc_matrix(loaded: Any, images: list, texts: list[str]) -> list[list[float]]:
    """Cosine similarity of every image's ITC features with every text's: ``len(images)`` rows."""
    return (_image_features(loaded, images) @ _text_features(loaded, texts).T).tolist()


def itm_matrix(loaded: Any, images: list, texts: list[str]) -> list[list[float]]:
    """Probability (0..1) that each text matches each image, from BLIP's ITM head: ``len(images)`` rows."""
    import torch

    model = loaded.model
    text = _tokens(loaded, texts)
    count = len(texts)
    with torch.inference_mode():
        image_embeds = image_states(loaded, images)
        pairs = image_embeds.repeat_interleave(count, dim=0)  # image i with text 0..T-1, then image i+1 …
        image_mask = torch.ones(pairs.shape[:-1], dtype=torch.long, device=pairs.device)
        hidden = model.text_encoder(input_ids=text["input_ids"].repeat(len(images), 1),
                                    attention_mask=text["attention_mask"].repeat(len(images), 1),
                                    encoder_hidden_states=pairs, encoder_attention_mask=image_mask,
                                    return_dict=False)[0]
        logits = model.itm_head(hidden[:, 0, :]).float()
    return torch.softmax(logits, dim=-1)[:, 1].reshape(len(images), count).tolist()


def _image_features(loaded: Any, images: list):
    import torch
    from torch.nn.functional import normalize

    model = loaded.model
    with torch.inference_mode():
        embeds = image_states(loaded, images)
        return normalize(model.vision_proj(embeds[:, 0, :]).float(), dim=-1)


def _text_features(loaded: Any, texts: list[str]):
    import torch
    from torch.nn.functional import normalize

    model = loaded.model
    text = _tokens(loaded, texts)
    with torch.inference_mode():
        hidden = model.text_encoder(input_ids=text["input_ids"], attention_mask=text["attention_mask"],
                                    return_dict=False)[0]
        return normalize(model.text_proj(hidden[:, 0, :]).float(), dim=-1)


def _tokens(loaded: Any, texts: list[str]):
    return loaded.processor.tokenizer(list(texts), padding=True, truncation=True,
                                      return_tensors="pt").to(loaded.device)
