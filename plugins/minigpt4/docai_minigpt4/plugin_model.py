"""The ``minigpt4`` family as a docai plugin model: chat, VQA and captions about one image.

Weights load through the one loader (:func:`docai.models.load_model`, kind ``minigpt4``: the composed
model class ships in this package, still safetensors only). Prompts are the original's
(:mod:`docai_minigpt4.prompts`); answers decode in batches through docai's decode loop, the Vicuna
variant stopping at ``###``.
"""

from __future__ import annotations

from dataclasses import replace

from pydantic import Field

from docai.errors import InputError
from docai.plugins.capabilities import Captioner, Chatter, VisualQuestionAnswerer
from docai.plugins.specs import ModelOptions
from schemas.plugins import Caption, ChatReply, VQAAnswer

DEFAULT_CAPTION_PROMPT = "Describe this image in detail."


class MiniGPT4Options(ModelOptions):
    system: str | None = Field(default=None, max_length=4000,
                               description="system text before the conversation (default: the original's)")


class MiniGPT4Model(Chatter, VisualQuestionAnswerer, Captioner):
    """A converted MiniGPT-4 checkpoint (``docai dev convert-checkpoint minigpt4``)."""

    Options = MiniGPT4Options

    def __init__(self, checkpoint: str, options=None) -> None:
        super().__init__(checkpoint, options)
        from docai.models import load_model

        self.loaded = load_model(checkpoint, kind="minigpt4", device=self.options.device, dtype=self.decoding_dtype())
        self.model = self.loaded.model
        self.tokenizer = self.loaded.tokenizer
        self.image_processor = self.loaded.image_processor
        self.variant = self.model.config.variant

    @property
    def batch_size(self) -> int:
        return self.decoding_batch_size(self.loaded.device, self.loaded.dtype)

    def answers(self, images, prompts: list[str], generation) -> list[str]:
        """One answer per (image, full prompt), decoded together."""
        from docai.models.decode import DecodeSettings, cut_at_stop
        from docai_minigpt4.generate import generate
        from docai_minigpt4.prompts import clean_answer, template

        stops = (*template(self.variant).stop_strings, *generation.stop)
        settings = replace(DecodeSettings.from_request(generation, eos_token_ids=(self.tokenizer.eos_token_id,)),
                           stop_strings=stops)
        pixels = self.image_processor(list(images), return_tensors="pt")["pixel_values"]
        rows = generate(self.model, self.tokenizer, pixels, prompts, settings)
        texts = [self.tokenizer.decode(r.tokens, skip_special_tokens=True) for r in rows]
        return [cut_at_stop(clean_answer(t, self.variant), generation.stop) for t in texts]

    def _prompt(self, turns) -> str:
        from docai_minigpt4.prompts import build_prompt

        return build_prompt(self.variant, turns, self.options.system)

    def vqa_batch(self, images, request):
        prompt = self._prompt([(request.question, None)])
        return [VQAAnswer(question=request.question, answer=a)
                for a in self.answers(images, [prompt] * len(images), request.generation)]

    def caption_batch(self, images, request):
        prompt = self._prompt([(request.prompt or DEFAULT_CAPTION_PROMPT, None)])
        return [Caption(text=a) for a in self.answers(images, [prompt] * len(images), request.generation)]

    def chat_batch(self, conversations):
        from docai_minigpt4.prompts import build_prompt

        replies = []
        for images, request in conversations:
            system = next((m.content for m in request.messages if m.role == "system"), None)
            used = sorted({i for m in request.messages for i in m.images})
            if len(used) != 1:
                raise InputError(f"MiniGPT-4 talks about exactly one image per conversation ({len(used)} given)")
            turns, pending = [], None
            for message in (m for m in request.messages if m.role != "system"):
                if message.role == "user":
                    if pending is not None:
                        raise InputError("two user messages in a row: MiniGPT-4 alternates user and assistant")
                    pending = message.content
                else:
                    if pending is None:
                        raise InputError("an assistant message must answer a user message")
                    turns.append((pending, message.content))
                    pending = None
            if pending is None:
                raise InputError("a conversation must end with a user message")
            prompt = build_prompt(self.variant, [*turns, (pending, None)],
                                  system if system is not None else self.options.system)
            replies += self.answers([images[used[0]]], [prompt], request.generation)
        return [ChatReply(text=t) for t in replies]
