"""The ``llava`` family: LLaVA-1.5, LLaVA-NeXT and LLaVA-OneVision checkpoints as docai plugin models.

Chat (multi-turn, images where the messages place them, the checkpoint's chat template), VQA, captions
and ``read_page`` (a LLaVA fine-tuned to transcribe documents as a conversion engine) all go through
:mod:`docai_llava.chat`: batched, left-padded, image tokens counted before every generation, decoded by
docai's one decode loop. Weights load through the one loader (:func:`docai.models.load_model`).
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import Field

from docai.errors import ModelError
from docai.models.guard import GuardSettings
from docai.plugins.capabilities import Captioner, Chatter, PageReader, VisualQuestionAnswerer
from docai.plugins.specs import ModelOptions
from schemas.plugins import Caption, ChatReply, VQAAnswer

#: config.json model_type → loader kind
KINDS = {"llava": "llava", "llava_next": "llava_next", "llava_onevision": "llava_onevision"}
DEFAULT_PAGE_PROMPT = "Transcribe this page to markdown."
DEFAULT_CAPTION_PROMPT = "Describe the image in one sentence."


class LlavaOptions(ModelOptions):
    page_prompt: str = Field(default=DEFAULT_PAGE_PROMPT, min_length=1, max_length=2000,
                             description="the prompt read_page sends with each page image")
    repetition_guard: bool = Field(default=True, description="stop a page that loops (Nougat's guard) in read_page")


class LlavaModel(Chatter, VisualQuestionAnswerer, Captioner, PageReader):
    """A LLaVA-family checkpoint: chat, vqa, caption, read_page."""

    Options = LlavaOptions

    def __init__(self, checkpoint: str, options=None) -> None:
        super().__init__(checkpoint, options)
        from docai.models import load_model
        from docai.models.checkpoint import resolve_checkpoint

        resolved = resolve_checkpoint(checkpoint)
        model_type = json.loads((Path(resolved.path) / "config.json").read_text()).get("model_type")
        if model_type not in KINDS:
            raise ModelError(f"llava:{checkpoint} is a {model_type!r} checkpoint, not a LLaVA-family one "
                             f"({', '.join(KINDS)})")
        self.loaded = load_model(checkpoint, kind=KINDS[model_type], device=self.options.device, dtype=self.decoding_dtype())
        self.model = self.loaded.model
        self.processor = self.loaded.processor
        gen = self.model.generation_config
        eos = gen.eos_token_id if isinstance(gen.eos_token_id, list) else [gen.eos_token_id]
        self.eos_token_ids = tuple(int(e) for e in eos if e is not None) or (self.processor.tokenizer.eos_token_id,)

    @property
    def batch_size(self) -> int:
        return self.decoding_batch_size(self.loaded.device, self.loaded.dtype)

    def _reply(self, conversations, generation, *, guard: bool = False) -> list[str]:
        from docai.models.decode import DecodeSettings, cut_at_stop
        from docai_llava.chat import generate, prepare

        settings = DecodeSettings.from_request(generation, eos_token_ids=self.eos_token_ids,
                                               guard=GuardSettings() if guard else None)
        rows = generate(self.model, self.processor, prepare(self.processor, conversations), settings)
        tokenizer = self.processor.tokenizer
        return [cut_at_stop(tokenizer.decode(r.tokens, skip_special_tokens=True), generation.stop).strip()
                for r in rows]

    def _ask(self, images, prompt: str, generation, *, guard: bool = False) -> list[str]:
        from docai_llava.chat import Turn

        return self._reply([([image], [Turn("user", prompt, [0])]) for image in images], generation, guard=guard)

    def chat_batch(self, conversations):
        from docai_llava.chat import Turn

        items = [(images, [Turn(m.role, m.content, list(m.images)) for m in request.messages])
                 for images, request in conversations]
        replies = []
        for (images, turns), (_images, request) in zip(items, conversations, strict=True):
            replies += self._reply([(images, turns)], request.generation)
        return [ChatReply(text=text) for text in replies]

    def vqa_batch(self, images, request):
        answers = self._ask(images, request.question, request.generation)
        return [VQAAnswer(question=request.question, answer=a) for a in answers]

    def caption_batch(self, images, request):
        return [Caption(text=t) for t in self._ask(images, request.prompt or DEFAULT_CAPTION_PROMPT, request.generation)]

    def read_page_batch(self, images, request):
        return self._ask(images, request.prompt or self.options.page_prompt, request.generation,
                         guard=self.options.repetition_guard)
