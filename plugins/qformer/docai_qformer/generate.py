"""BLIP-2 / InstructBLIP captions and answers through docai's one decode loop, image tokens checked first.

The processor writes ``num_query_tokens`` image tokens into every prompt; the model puts the Q-Former's
projected outputs in their place. A prompt without them (an old processor config, a hand-built prompt)
would make the model answer without looking at the image, so each row's image tokens are counted before
every generation and anything but exactly ``num_query_tokens`` (from the checkpoint) is an error. The
language model then runs from ``inputs_embeds``: decoder-only ones (OPT, Vicuna) left-padded through
:class:`~docai.models.stepper_hf.CausalStepper`, encoder-decoder ones (Flan-T5) through
:class:`~docai.models.stepper_hf.Seq2SeqStepper`.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from docai.errors import ModelError
from docai.models.decode import DecodeSettings, Generation, decode
from docai.models.stepper_hf import CausalStepper, Seq2SeqStepper


def check_image_tokens(input_ids: torch.Tensor, image_token_id: int | None, num_query_tokens: int) -> None:
    """ModelError unless every row holds exactly ``num_query_tokens`` image tokens."""
    if image_token_id is None:
        raise ModelError("the checkpoint names no image token (config image_token_index): its prompts cannot "
                         "carry the image; use a checkpoint saved with a current transformers")
    counts = (input_ids == image_token_id).sum(dim=1).tolist()
    bad = [(row, n) for row, n in enumerate(counts) if n != num_query_tokens]
    if bad:
        row, n = bad[0]
        raise ModelError(f"prompt {row + 1} holds {n} image tokens where the checkpoint needs {num_query_tokens} "
                         "(num_query_tokens): the image would be ignored; the processor must add them")


def prepare(processor, images, prompts: Sequence[str]) -> dict:
    """The processor's tensors for (image, prompt) pairs, every row's padding moved to its far left.

    The processor pads the text and then puts the image tokens in front, so padding would sit between
    image and text; a model with relative positions (T5) would then see a batched row differently
    from the same row alone.
    """
    inputs = dict(processor(images=list(images), text=list(prompts), padding=True, return_tensors="pt"))
    qformer_tokenizer = getattr(processor, "qformer_tokenizer", None)
    if qformer_tokenizer is not None:  # the Q-Former has absolute positions: its text is padded on the right
        enc = qformer_tokenizer(list(prompts), padding=True, padding_side="right", return_tensors="pt")
        inputs["qformer_input_ids"], inputs["qformer_attention_mask"] = enc["input_ids"], enc["attention_mask"]
    inputs["input_ids"], inputs["attention_mask"] = left_packed(
        inputs["input_ids"], inputs["attention_mask"], processor.tokenizer.pad_token_id)
    return inputs


def left_packed(ids: torch.Tensor, mask: torch.Tensor, pad_token_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Each row's real tokens (mask 1) in order, padded on the left only."""
    width = int(mask.sum(dim=1).max()) if len(ids) else 0
    out_ids = torch.full((len(ids), width), pad_token_id, dtype=ids.dtype)
    out_mask = torch.zeros((len(ids), width), dtype=mask.dtype)
    for row in range(len(ids)):
        real = ids[row][mask[row].bool()]
        out_ids[row, width - len(real):] = real
        out_mask[row, width - len(real):] = 1
    return out_ids, out_mask


def image_features(model, inputs: dict) -> torch.Tensor:
    """The projected Q-Former outputs ``(images, num_query_tokens, lm_hidden)`` (InstructBLIP: instructed)."""
    kwargs = {"pixel_values": inputs["pixel_values"].to(model.device, model.dtype)}
    if "qformer_input_ids" in inputs:
        kwargs["qformer_input_ids"] = inputs["qformer_input_ids"].to(model.device)
        kwargs["qformer_attention_mask"] = inputs["qformer_attention_mask"].to(model.device)
    out = model.get_image_features(**kwargs)
    return out.pooler_output if hasattr(out, "pooler_output") else out


@torch.inference_mode()
def generate(model, processor, images, prompts: Sequence[str], settings: DecodeSettings) -> list[Generation]:
    """One generation per (image, prompt), all in one batch."""
    if not prompts:
        return []
    inputs = prepare(processor, images, prompts)
    ids = inputs["input_ids"].to(model.device)
    check_image_tokens(ids, model.config.image_token_index, model.config.num_query_tokens)
    embeds = model.get_input_embeddings()(ids)
    features = image_features(model, inputs).to(embeds.dtype)
    embeds = embeds.masked_scatter((ids == model.config.image_token_index).unsqueeze(-1), features)
    mask = inputs["attention_mask"].to(model.device)
    language_model = model.language_model
    text = lambda tokens: processor.tokenizer.decode(tokens, skip_special_tokens=True)  # noqa: E731
    if language_model.config.is_encoder_decoder:
        stepper = Seq2SeqStepper(language_model)
        start = torch.full((len(prompts), 1), language_model.config.decoder_start_token_id, dtype=torch.long)
        logits = stepper.start(inputs_embeds=embeds, attention_mask=mask, decoder_input_ids=start)
        return decode(stepper, logits, settings, prompt_length=1, text=text)
    stepper = CausalStepper(language_model)
    logits = stepper.start(inputs_embeds=embeds, attention_mask=mask)
    prompt_ids = [row[m.bool()].tolist() for row, m in zip(ids, mask, strict=True)]
    return decode(stepper, logits, settings, prompt_length=ids.shape[1], prompt_ids=prompt_ids, text=text)
