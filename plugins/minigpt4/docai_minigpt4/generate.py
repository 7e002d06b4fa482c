"""Batched MiniGPT-4 answers through docai's one decode loop.

Each prompt becomes one row of embeddings (text pieces embedded by the language model, the image's
embeddings spliced between them); rows are left-padded and decoded together by
:func:`docai.models.decode.decode` with a :class:`docai.models.stepper_hf.CausalStepper` on the LLaMA.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from docai.models.decode import DecodeSettings, Generation, decode
from docai.models.stepper_hf import CausalStepper
from docai_minigpt4.prompts import split_prompt


def prompt_embeddings(model, tokenizer, prompt: str, image: torch.Tensor) -> torch.Tensor:
    """``(length, hidden)``: the prompt's text pieces embedded, ``image`` (``(tokens, hidden)``) in its slot."""
    embed = model.get_input_embeddings()
    pieces = split_prompt(prompt, images=1)
    parts = []
    for i, piece in enumerate(pieces):
        ids = tokenizer(piece, add_special_tokens=i == 0, return_tensors="pt")["input_ids"][0]
        parts.append(embed(ids.to(embed.weight.device)))
        if i < len(pieces) - 1:
            parts.append(image.to(embed.weight.dtype))
    return torch.cat(parts)


def left_pad_embeddings(rows: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """``(inputs_embeds, attention_mask)`` of rows of different lengths, padded on the left with zeros."""
    width = max(r.shape[0] for r in rows)
    hidden = rows[0].shape[1]
    embeds = rows[0].new_zeros((len(rows), width, hidden))
    mask = torch.zeros((len(rows), width), dtype=torch.long, device=rows[0].device)
    for i, row in enumerate(rows):
        embeds[i, width - row.shape[0]:] = row
        mask[i, width - row.shape[0]:] = 1
    return embeds, mask


@torch.inference_mode()
def generate(model, tokenizer, pixel_values: torch.Tensor, prompts: Sequence[str],
             settings: DecodeSettings) -> list[Generation]:
    """Decode one answer per (image, prompt) pair, all in one batch."""
    if len(prompts) != len(pixel_values):
        raise ValueError(f"{len(prompts)} prompts for {len(pixel_values)} images")
    if not prompts:
        return []
    images = model.image_embeddings(pixel_values.to(model.device))
    rows = [prompt_embeddings(model, tokenizer, p, images[i]) for i, p in enumerate(prompts)]
    embeds, mask = left_pad_embeddings(rows)
    stepper = CausalStepper(model.language_model)
    logits = stepper.start(inputs_embeds=embeds, attention_mask=mask)
    return decode(stepper, logits, settings, prompt_length=embeds.shape[1],
                  text=lambda ids: tokenizer.decode(ids, skip_special_tokens=True))
