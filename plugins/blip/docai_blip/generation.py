"""BLIP text generation on a batch: captions (unconditional or after a prompt) and VQA answers.

Both take a loaded model (``.model``, ``.processor``, ``.device``, ``.dtype``), a batch of PIL images, one
prompt or question for all of them and the request's generation options, and decode through docai's one
decode loop (:mod:`docai.models.decode`) with :class:`~docai_blip.stepper.BlipDecoderStepper`. Greedy
decoding gives a batch the same texts as its images one by one (tested). No prompt is ever padded: the
decoder's positions are absolute, and in transformers 5.x BLIP's text cross-attention drops its mask
(``BlipTextAttention`` does not pass ``encoder_attention_mask`` on), so padded questions would change
the answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from docai_blip.inputs import image_states


@dataclass(frozen=True)
class Text:
    """One generated text and the mean log-probability of its new tokens (None when there were none)."""

    text: str
    score: float | None


def caption_batch(loaded: Any, images: list, prompt: str | None, generation: Any) -> list[Text]:
    """One caption per image from a ``BlipForConditionalGeneration``; a prompted caption begins with its
    prompt, as BLIP writes it ("a picture of a dog on a sofa")."""
    import torch

    model, tokenizer = loaded.model, loaded.processor.tokenizer
    # BLIP's own recipe: [CLS] prompt [SEP], the [CLS] replaced by the decoder's bos and the [SEP] dropped.
    ids = tokenizer(prompt or "", add_special_tokens=True)["input_ids"][:-1]
    ids[0] = model.config.text_config.bos_token_id
    image_embeds = image_states(loaded, images)
    prompt_ids = torch.tensor([ids] * len(images), dtype=torch.long)
    return _decode(loaded, model.text_decoder, image_embeds, prompt_ids, generation, keep_prompt=True)


def answer_batch(loaded: Any, images: list, question: str, generation: Any) -> list[Text]:
    """The answer to ``question`` for each image from a ``BlipForQuestionAnswering``."""
    import torch

    model, tokenizer = loaded.model, loaded.processor.tokenizer
    ids = tokenizer([question] * len(images), return_tensors="pt")["input_ids"].to(loaded.device)
    with torch.inference_mode():
        image_embeds = image_states(loaded, images)
        image_mask = torch.ones(image_embeds.shape[:-1], dtype=torch.long, device=image_embeds.device)
        question_states = model.text_encoder(input_ids=ids, attention_mask=torch.ones_like(ids),
                                              encoder_hidden_states=image_embeds, encoder_attention_mask=image_mask,
                                              return_dict=False)[0]
    start = torch.full((len(images), 1), model.decoder_start_token_id, dtype=torch.long)
    return _decode(loaded, model.text_decoder, question_states, start, generation, keep_prompt=False)


def _decode(loaded: Any, text_decoder: Any, encoder_states, prompt_ids, generation: Any, *,
            keep_prompt: bool) -> list[Text]:
    from docai.models.decode import DecodeSettings, Sampling, cut_at_stop, decode
    from docai_blip.stepper import BlipDecoderStepper

    tokenizer = loaded.processor.tokenizer
    text_config = loaded.model.config.text_config
    sampling = (Sampling(temperature=generation.temperature, top_p=generation.top_p, seed=generation.seed or 0)
                if generation.temperature > 0 else None)
    settings = DecodeSettings(max_new_tokens=generation.max_new_tokens, eos_token_ids=(text_config.sep_token_id,),
                              pad_token_id=text_config.pad_token_id, sampling=sampling,
                              stop_strings=tuple(generation.stop))
    stepper = BlipDecoderStepper(text_decoder, encoder_states)
    first = stepper.start(prompt_ids)
    rows = decode(stepper, first, settings, prompt_length=prompt_ids.shape[1],
                  text=lambda tokens: tokenizer.decode(tokens, skip_special_tokens=True))
    texts = []
    for prompt, row in zip(prompt_ids.tolist(), rows, strict=True):
        text = tokenizer.decode(row.tokens, skip_special_tokens=True)
        if keep_prompt:  # decoded together, so word pieces that continue the prompt join it
            head = tokenizer.decode(prompt, skip_special_tokens=True)
            whole = tokenizer.decode(prompt + row.tokens, skip_special_tokens=True)
            text = head + cut_at_stop(whole[len(head):], generation.stop) if whole.startswith(head) else whole
        else:
            text = cut_at_stop(text, generation.stop)
        score = sum(row.logprobs) / len(row.logprobs) if row.logprobs else None
        texts.append(Text(text=text.strip(), score=score))
    return texts
