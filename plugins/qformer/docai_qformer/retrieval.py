"""BLIP-2 image-text matching (the ITM head) and similarity (ITC) with ``Blip2ForImageTextRetrieval``.

The retrieval model drops the first ``num_query_tokens`` text tokens when its config names an image token,
expecting the processor to have put image tokens there; if it did not, real text would be cut. So the
text is tokenised here without image tokens and the image tokens are added only when the config wants
them: the text the Q-Former reads is always the whole text.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch


def text_inputs(model, tokenizer, texts: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """``(input_ids, attention_mask)`` for the retrieval model: image tokens first iff its config wants them."""
    side = tokenizer.padding_side
    tokenizer.padding_side = "right"  # the Q-Former reads the text's first token as its summary
    try:
        enc = tokenizer(list(texts), padding=True, return_tensors="pt")
    finally:
        tokenizer.padding_side = side
    ids, mask = enc["input_ids"], enc["attention_mask"]
    token = model.config.image_token_index
    if token is not None:
        count = model.config.num_query_tokens
        ids = torch.cat([torch.full((len(texts), count), token, dtype=ids.dtype), ids], dim=1)
        mask = torch.cat([torch.ones((len(texts), count), dtype=mask.dtype), mask], dim=1)
    return ids, mask


@torch.inference_mode()
def itm(model, tokenizer, pixel_values: torch.Tensor, texts: Sequence[str]) -> list[list[float]]:
    """Per image, the ITM head's probability that each text matches it."""
    rows = []
    ids, mask = text_inputs(model, tokenizer, texts)
    for image in pixel_values:
        pixels = image.unsqueeze(0).expand(len(texts), -1, -1, -1).to(model.device, model.dtype)
        out = model(pixel_values=pixels, input_ids=ids.to(model.device), attention_mask=mask.to(model.device),
                    use_image_text_matching_head=True)
        rows.append(torch.softmax(out.logits_per_image.float(), dim=-1)[:, 1].tolist())
    return rows


@torch.inference_mode()
def itc(model, tokenizer, pixel_values: torch.Tensor, texts: Sequence[str]) -> list[list[float]]:
    """Per image, the best cosine similarity of its query embeddings with each text's embedding."""
    ids, mask = text_inputs(model, tokenizer, texts)
    out = model(pixel_values=pixel_values.to(model.device, model.dtype), input_ids=ids.to(model.device),
                attention_mask=mask.to(model.device), use_image_text_matching_head=False)
    image = torch.nn.functional.normalize(out.image_embeds.float(), dim=-1)  # (images, queries, dim)
    text = torch.nn.functional.normalize(out.text_embeds.float(), dim=-1)  # (texts, dim)
    return torch.einsum("iqd,td->itq", image, text).max(dim=-1).values.tolist()
