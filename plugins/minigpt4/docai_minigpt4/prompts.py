"""MiniGPT-4's prompts, as the original writes them, and where the image goes.

Vicuna: ``###Human: <Img><ImageHere></Img> {question}###Assistant: `` after the original system text; an
answer ends where the model writes ``###``. LLaMA-2: ``[INST] <Img><ImageHere></Img> {question} [/INST] ``;
an answer ends with the end token. The image embeddings are spliced where ``<ImageHere>`` stands; the
text around it is tokenised piece by piece, the first piece with the beginning-of-sequence token.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from docai.errors import InputError

IMAGE_HERE = "<ImageHere>"
IMAGE_SLOT = f"<Img>{IMAGE_HERE}</Img>"
VICUNA_SYSTEM = ("Give the following image: <Img>ImageContent</Img>. You will be able to see the image once I "
                 "provide it to you. Please answer my questions.")


@dataclass(frozen=True)
class Template:
    """One variant's turn template (``{}`` is the user's message), its system text and its stop strings."""

    turn: str
    answer_suffix: str
    system: str
    stop_strings: tuple[str, ...]


TEMPLATES: dict[str, Template] = {
    "vicuna": Template(turn="###Human: {}###Assistant: ", answer_suffix="", system=VICUNA_SYSTEM,
                       stop_strings=("###",)),
    "llama2": Template(turn="[INST] {} [/INST] ", answer_suffix=" ", system="", stop_strings=()),
}


def template(variant: str) -> Template:
    """The :class:`Template` of ``variant`` (``vicuna`` or ``llama2``)."""
    try:
        return TEMPLATES[variant]
    except KeyError:
        raise InputError(f"unknown MiniGPT-4 variant {variant!r}: choose {' or '.join(TEMPLATES)}") from None


def build_prompt(variant: str, turns: Sequence[tuple[str, str | None]], system: str | None = None) -> str:
    """The prompt for a conversation: ``turns`` are (user message, assistant reply or None for the last).

    The image slot opens the first user message, as the original's ``<Img><ImageHere></Img>`` upload.
    """
    if not turns or turns[-1][1] is not None:
        raise InputError("a MiniGPT-4 conversation must end with a user message")
    form = template(variant)
    parts = [form.system if system is None else system]
    for i, (message, reply) in enumerate(turns):
        if IMAGE_HERE in message:
            raise InputError(f"{IMAGE_HERE} is reserved for the image; remove it from the message")
        text = f"{IMAGE_SLOT} {message}" if i == 0 else message
        parts.append(form.turn.format(text))
        if reply is not None:
            parts.append(reply + form.answer_suffix)
    return "".join(parts)


def split_prompt(prompt: str, images: int = 1) -> list[str]:
    """The text pieces around the ``<ImageHere>`` slots; their number must match ``images``."""
    pieces = prompt.split(IMAGE_HERE)
    if len(pieces) - 1 != images:
        raise InputError(f"the prompt has {len(pieces) - 1} {IMAGE_HERE} slot(s) for {images} image(s)")
    return pieces


def clean_answer(text: str, variant: str) -> str:
    """The answer as the original shows it: cut at a stop string, ``Assistant:`` and spaces removed."""
    for stop in template(variant).stop_strings:
        text = text.split(stop)[0]
    return text.split("Assistant:")[-1].strip()
