"""The ``qformer`` family: BLIP-2 (OPT or Flan-T5 language model), BLIP-2 retrieval and InstructBLIP.

Generating checkpoints caption (unconditional or from a prompt) and answer questions in the original
``Question: … Answer:`` form (InstructBLIP: the instruction as written, also read by its Q-Former); a
``Blip2ForImageTextRetrieval`` checkpoint scores image-text matches (ITM head) and similarities (ITC).
``num_query_tokens`` and the image token come from the checkpoint; every generation first counts them.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import Field

from docai.errors import ModelError
from docai.plugins.capabilities import Captioner, ImageTextContrast, ImageTextMatcher, VisualQuestionAnswerer
from docai.plugins.specs import ModelOptions
from schemas.plugins import Caption, VQAAnswer

#: config architectures → loader kind
KINDS = {"Blip2ForConditionalGeneration": "blip2", "Blip2ForImageTextRetrieval": "blip2_retrieval",
         "InstructBlipForConditionalGeneration": "instructblip"}


class QFormerOptions(ModelOptions):
    question_template: str = Field(default="Question: {} Answer:", description="how BLIP-2 is asked ({} = question)")


def kind_of(checkpoint: str) -> str:
    """The loader kind of a BLIP-2-family checkpoint, or a one-line ModelError."""
    from docai.models.checkpoint import resolve_checkpoint

    resolved = resolve_checkpoint(checkpoint)
    config = json.loads((Path(resolved.path) / "config.json").read_text())
    for architecture in config.get("architectures") or []:
        if architecture in KINDS:
            return KINDS[architecture]
    raise ModelError(f"qformer:{checkpoint} is not a BLIP-2 or InstructBLIP checkpoint "
                     f"(architectures {config.get('architectures')}, model_type {config.get('model_type')!r})")


class _Loaded:
    def _load(self, checkpoint: str) -> None:
        from docai.models import load_model

        self.kind = kind_of(checkpoint)
        self.loaded = load_model(checkpoint, kind=self.kind, device=self.options.device, dtype=self.options.dtype)
        self.model = self.loaded.model
        self.processor = self.loaded.processor


class QFormerModel(_Loaded, Captioner, VisualQuestionAnswerer, ImageTextMatcher, ImageTextContrast):
    """A BLIP-2 / InstructBLIP checkpoint; which capabilities work depends on its architecture."""

    Options = QFormerOptions

    def __init__(self, checkpoint: str, options=None) -> None:
        super().__init__(checkpoint, options)
        self._load(checkpoint)

    def _need(self, generating: bool, what: str) -> None:
        if generating == (self.kind == "blip2_retrieval"):
            other = "a captioning BLIP-2 / InstructBLIP" if generating else "a Blip2ForImageTextRetrieval"
            raise ModelError(f"{self.name} cannot {what}: that needs {other} checkpoint")

    def _generate(self, images, prompts, generation) -> list[str]:
        from docai.models.decode import DecodeSettings, cut_at_stop
        from docai_qformer.generate import generate

        gen = self.model.generation_config
        eos = gen.eos_token_id if isinstance(gen.eos_token_id, list) else [gen.eos_token_id]
        settings = DecodeSettings.from_request(generation, eos_token_ids=tuple(e for e in eos if e is not None))
        rows = generate(self.model, self.processor, images, prompts, settings)
        tokenizer = self.processor.tokenizer
        return [cut_at_stop(tokenizer.decode(r.tokens, skip_special_tokens=True), generation.stop).strip() for r in rows]

    def caption_batch(self, images, request):
        self._need(True, "caption")
        return [Caption(text=t) for t in self._generate(images, [request.prompt or ""] * len(images), request.generation)]

    def vqa_batch(self, images, request):
        self._need(True, "answer questions")
        prompt = request.question if self.kind == "instructblip" else self.options.question_template.format(request.question)
        return [VQAAnswer(question=request.question, answer=a)
                for a in self._generate(images, [prompt] * len(images), request.generation)]

    def _pixels(self, images):
        return self.processor.image_processor(list(images), return_tensors="pt")["pixel_values"]

    def itm_batch(self, images, texts):
        from docai_qformer.retrieval import itm

        self._need(False, "match images and texts (itm)")
        return itm(self.model, self.processor.tokenizer, self._pixels(images), texts)

    def itc_batch(self, images, texts):
        from docai_qformer.retrieval import itc

        self._need(False, "compare images and texts (itc)")
        return itc(self.model, self.processor.tokenizer, self._pixels(images), texts)
