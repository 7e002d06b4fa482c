"""Batched greedy decoding through the one decode loop: page images + one prompt → a parsed sequence and a
confidence per page."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PIL import Image

from docai.engines.donut.model import DonutModel
from docai.engines.donut.preprocess import DonutPreprocess
from docai.engines.donut.prompts import Prompt
from docai.engines.donut.tokens import token2json
from docai.errors import ModelError


@dataclass
class Generation:
    """One page's decoding: the generated ``token_ids`` (prompt excluded, up to the end token), the
    decoded ``sequence`` (task token and special tokens removed), its JSON and its ``confidence``."""

    token_ids: list[int]
    sequence: str
    data: dict[str, Any]
    confidence: float


def pixel_values(donut: DonutModel, images: Sequence[Image.Image]):
    """The encoder input for ``images``: the checkpoint's image processor steps, batched on the model's
    device (:mod:`docai.engines.donut.preprocess`), or the processor itself when it is not a Donut one."""
    preprocess = DonutPreprocess.from_processor(donut.image_processor)
    if preprocess is not None:
        return preprocess(images, device=donut.device, dtype=donut.dtype)
    batch = donut.image_processor(list(images), return_tensors="pt")["pixel_values"]
    return batch.to(device=donut.device, dtype=donut.dtype) if donut.device is not None else batch


def prompt_ids(donut: DonutModel, prompt: Prompt) -> list[int]:
    """The token ids of ``prompt`` (no BOS/EOS added: the task token starts the decoder)."""
    ids = donut.tokenizer(prompt.text, add_special_tokens=False)["input_ids"]
    if not ids or ids[0] != donut.tokenizer.convert_tokens_to_ids(prompt.task_token):
        raise ModelError(f"{donut.name}: the tokenizer does not encode {prompt.task_token} as one token")
    return list(ids)


def generate(donut: DonutModel, images: Sequence[Image.Image], prompt: Prompt, *,
             max_length: int | None = None) -> list[Generation]:
    """Greedy-decode every image with the same ``prompt`` in one batch (:func:`docai.models.decode.decode`).

    ``max_length`` caps the whole sequence, prompt included (default: the checkpoint's). Confidence is
    the geometric mean of the probabilities of the generated tokens, up to and including the end token.
    """
    import torch

    from docai.models.decode import DecodeSettings, decode
    from docai.models.stepper_mbart import MBartStepper, encode

    if not images:
        return []
    ids = prompt_ids(donut, prompt)
    limit = max_length or donut.max_length
    if limit <= len(ids):
        raise ModelError(f"{donut.name}: the prompt is {len(ids)} tokens, no room left within max_length {limit}")
    tok = donut.tokenizer
    gen = getattr(donut.model, "generation_config", None)
    settings = DecodeSettings(
        max_length=limit, eos_token_ids=(tok.eos_token_id,), pad_token_id=tok.pad_token_id,
        bad_token_ids=(tok.unk_token_id,) if tok.unk_token_id is not None else (),
        forced_eos_token_id=getattr(gen, "forced_eos_token_id", None))
    stepper = MBartStepper(donut.model)
    with torch.inference_mode():
        hidden = encode(donut.model, pixel_values(donut, images))
        prefix = torch.tensor([ids] * len(images), dtype=torch.long, device=stepper.device)
        generations = decode(stepper, stepper.start(hidden, prefix), settings, prompt_length=len(ids))
    return [_finish(donut, prompt, ids, g) for g in generations]


def _finish(donut: DonutModel, prompt: Prompt, ids: list[int], generation) -> Generation:
    row = generation.tokens + ([donut.tokenizer.eos_token_id] if generation.finish == "eos" else [])
    chosen = [lp for lp in generation.logprobs[:len(row)] if math.isfinite(lp)]
    confidence = math.exp(sum(chosen) / len(chosen)) if chosen else 0.0
    sequence = clean_sequence(donut, ids + row, prompt)
    return Generation(token_ids=row, sequence=sequence, data=token2json(sequence, donut.categories),
                      confidence=min(1.0, max(0.0, confidence)))


def clean_sequence(donut: DonutModel, token_ids: list[int], prompt: Prompt) -> str:
    """Decode ``token_ids`` keeping the Donut tags, then drop BOS/EOS/PAD and the leading task token."""
    tok = donut.tokenizer
    text = tok.decode(token_ids, skip_special_tokens=False, clean_up_tokenization_spaces=False)
    for special in (tok.eos_token, tok.pad_token, tok.bos_token):
        if special:
            text = text.replace(special, "")
    text = text.strip()
    if text.startswith(prompt.task_token):
        text = text[len(prompt.task_token):]
    return text.strip()
