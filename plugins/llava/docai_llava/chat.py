"""LLaVA conversations → batched replies through docai's one decode loop.

A conversation is a list of messages (role, text, indices of the call's images placed in that message);
it becomes the checkpoint's own chat-template prompt, with an image item where the message puts each
image. Conversations are batched with left padding (the processor's tokenizer pads left). Before any
generation the image tokens of every row are counted against what its images need (for LLaVA-NeXT that
depends on each image's size): a template that drops ``<image>`` would otherwise let the model answer
without seeing the image, or fail deep inside it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch

from docai.errors import InputError, ModelError
from docai.models.decode import DecodeSettings, Generation, decode
from docai.models.stepper_hf import CausalStepper


@dataclass
class Turn:
    """One message: ``role`` (system, user, assistant), its ``text`` and the images placed before the text."""

    role: str
    text: str
    images: list[int] = field(default_factory=list)


def template_messages(turns: Sequence[Turn]) -> list[dict]:
    """The transformers chat format: content items, an image item per image, in the message's place."""
    messages = []
    for turn in turns:
        if turn.role not in ("system", "user", "assistant"):
            raise InputError(f"unknown chat role {turn.role!r}: use system, user or assistant")
        content = [{"type": "image"} for _ in turn.images] + [{"type": "text", "text": turn.text}]
        messages.append({"role": turn.role, "content": content})
    if not messages or messages[-1]["role"] != "user":
        raise InputError("a conversation must end with a user message")
    return messages


def image_order(turns: Sequence[Turn]) -> list[int]:
    """The call's image indices in the order their image items appear in the prompt."""
    return [index for turn in turns for index in turn.images]


def check_image_token(processor) -> int:
    """The id of the processor's image token, which must be one token of the tokenizer."""
    token = getattr(processor, "image_token", "<image>")
    tokenizer = processor.tokenizer
    ids = tokenizer(token, add_special_tokens=False)["input_ids"]
    if len(ids) != 1 or ids[0] == tokenizer.unk_token_id:
        raise ModelError(f"the tokenizer splits the image token {token!r} into {len(ids)} tokens: "
                         "it must be one (added) token")
    return ids[0]


def count_image_tokens(input_ids: torch.Tensor, image_token_id: int) -> list[int]:
    """Image tokens in each row."""
    return (input_ids == image_token_id).sum(dim=1).tolist()


def check_image_tokens(processor, input_ids: torch.Tensor, image_token_id: int,
                       sizes_per_row: Sequence[Sequence[tuple[int, int]]]) -> None:
    """ModelError unless each row holds exactly the image tokens its images (``(height, width)`` each) need."""
    flat = [size for sizes in sizes_per_row for size in sizes]
    needed = list(processor._get_num_multimodal_tokens(image_sizes=flat).num_image_tokens) if flat else []
    found = count_image_tokens(input_ids, image_token_id)
    start = 0
    for row, sizes in enumerate(sizes_per_row):
        want = sum(needed[start:start + len(sizes)])
        start += len(sizes)
        if found[row] != want:
            raise ModelError(f"conversation {row + 1}: the prompt holds {found[row]} image tokens but its "
                             f"{len(sizes)} image(s) need {want}: the chat template does not place every image")


@dataclass
class Prepared:
    """A batch ready to decode: the processor's tensors and each row's prompt."""

    inputs: dict
    prompts: list[str]


def prepare(processor, conversations: Sequence[tuple[Sequence, Sequence[Turn]]], *,
            chat_template: str | None = None) -> Prepared:
    """Prompts from the chat template, the processor's tensors (left-padded), image tokens checked."""
    image_token_id = check_image_token(processor)
    prompts, images, sizes = [], [], []
    for call_images, turns in conversations:
        order = image_order(turns)
        bad = [i for i in order if not 0 <= i < len(call_images)]
        if bad:
            raise InputError(f"a message refers to image {bad[0]}, but the call has {len(call_images)} image(s)")
        prompts.append(processor.apply_chat_template(template_messages(turns), add_generation_prompt=True,
                                                     tokenize=False, chat_template=chat_template))
        images += [call_images[i] for i in order]
        sizes.append([(call_images[i].height, call_images[i].width) for i in order])
    tokenizer = processor.tokenizer
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"
    try:
        inputs = processor(images=images or None, text=prompts, padding=True, return_tensors="pt")
    finally:
        tokenizer.padding_side = side
    check_image_tokens(processor, inputs["input_ids"], image_token_id, sizes)
    return Prepared(inputs=dict(inputs), prompts=prompts)


@torch.inference_mode()
def generate(model, processor, prepared: Prepared, settings: DecodeSettings,
             text: Callable[[list[int]], str] | None = None) -> list[Generation]:
    """Decode one reply per row of ``prepared`` in one batch."""
    inputs = {k: (v.to(model.device) if torch.is_tensor(v) else v) for k, v in prepared.inputs.items()}
    if "pixel_values" in inputs:
        inputs["pixel_values"] = inputs["pixel_values"].to(model.dtype)
    stepper = CausalStepper(model)
    logits = stepper.start(**inputs)
    decode_text = text or (lambda ids: processor.tokenizer.decode(ids, skip_special_tokens=True))
    return decode(stepper, logits, settings, prompt_length=inputs["input_ids"].shape[1],
                  prompt_ids=[row[mask.bool()].tolist() for row, mask in zip(inputs["input_ids"], inputs["attention_mask"], strict=True)],
                  text=decode_text)
