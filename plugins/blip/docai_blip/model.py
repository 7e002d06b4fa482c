"""The ``blip`` family's model: a BLIP checkpoint loaded through docai's loader, behind the capability classes.

What a checkpoint can do follows from its architecture (see :mod:`docai_blip.plugin`); asking a captioning
checkpoint for VQA is one :class:`~docai.errors.ModelError` line naming the kind of checkpoint that can.
The work itself is in :mod:`docai_blip.generation` (captions, answers) and :mod:`docai_blip.retrieval`
(ITM, ITC, features).
"""

from __future__ import annotations

import math

from docai.errors import ModelError
from docai.plugins.capabilities import (
    Captioner,
    Embedder,
    ImageTextContrast,
    ImageTextMatcher,
    VisualQuestionAnswerer,
)
from docai_blip import generation, retrieval
from docai_blip.plugin import KINDS
from schemas.plugins import Caption, VQAAnswer

#: what to use instead, per capability, when a checkpoint lacks it
_EXAMPLES = {
    "caption": "a BlipForConditionalGeneration checkpoint such as Salesforce/blip-image-captioning-base",
    "vqa": "a BlipForQuestionAnswering checkpoint such as Salesforce/blip-vqa-base",
    "itm": "a BlipForImageTextRetrieval checkpoint such as Salesforce/blip-itm-base-coco",
}


class Blip(Captioner, VisualQuestionAnswerer, ImageTextMatcher, ImageTextContrast, Embedder):
    """``blip:CHECKPOINT``: loads the checkpoint (any of the three BLIP kinds) when created."""

    default_batch_size = 8

    def __init__(self, checkpoint: str, options=None) -> None:
        super().__init__(checkpoint, options)
        from docai.models import load_model

        kind = blip_kind(checkpoint)
        # captioning and VQA decode whole batches (bf16 where it pays); retrieval keeps the loader's default
        dtype = self.options.dtype if kind == "blip-itm" else self.decoding_dtype()
        self.loaded = load_model(checkpoint, kind=kind, device=self.device, dtype=dtype)
        from docai_blip.sdpa import enable_sdpa

        enable_sdpa(self.loaded.model)  # the vision encoder's attention as one fused call
        self.model = self.loaded.model  # counted by memory_bytes(); close() drops both

    @property
    def batch_size(self) -> int:
        """Captioning and VQA decode whole batches: as many rows as pay on this machine (the CPU probe; 32
        on an AMX Xeon, where batch 16 gave 3.7x one by one against 2.7x at batch 8 in bench/plugins.py);
        retrieval takes the family's default."""
        if self.loaded is None or self.kind == "blip-itm":  # unloaded: the call fails with its own message
            return super().batch_size
        return self.decoding_batch_size(self.loaded.device, self.loaded.dtype)

    @property
    def kind(self) -> str:
        """The loader kind of the checkpoint: ``blip``, ``blip-vqa`` or ``blip-itm``."""
        return self.loaded.kind

    def caption_batch(self, images, request):
        self._need("caption", "blip")
        texts = generation.caption_batch(self.loaded, images, request.prompt, request.generation)
        return [Caption(text=t.text, score=t.score) for t in texts]

    def vqa_batch(self, images, request):
        self._need("vqa", "blip-vqa")
        texts = generation.answer_batch(self.loaded, images, request.question, request.generation)
        return [VQAAnswer(question=request.question, answer=t.text,
                          confidence=None if t.score is None else math.exp(t.score)) for t in texts]

    def itm_batch(self, images, texts):
        self._need("itm", "blip-itm")
        return retrieval.itm_matrix(self.loaded, images, texts)

    def itc_batch(self, images, texts):
        self._need("itc", "blip-itm")
        return retrieval.itc_matrix(self.loaded, images, texts)

    def embed_images_batch(self, images):
        self._need("image embedding", "blip-itm")
        return retrieval.image_features(self.loaded, images)

    def embed_texts_batch(self, texts):
        self._need("text embedding", "blip-itm")
        return retrieval.text_features(self.loaded, texts)

    def _need(self, what: str, kind: str) -> None:
        if self.loaded is None:
            raise ModelError(f"{self.name} was unloaded")
        if self.kind != kind:
            architecture = KINDS[self.kind][0]
            instead = _EXAMPLES["caption" if kind == "blip" else "vqa" if kind == "blip-vqa" else "itm"]
            raise ModelError(f"{self.name} is a {architecture} checkpoint: it cannot do {what} "
                             f"(it can: {', '.join(KINDS[self.kind][2])}); use {instead}")


def blip_kind(checkpoint: str) -> str:
    """The loader kind of a BLIP checkpoint, from the architecture its ``config.json`` names."""
    from docai.models.checkpoint import resolve_checkpoint
    from docai.models.kinds import read_json

    resolved = resolve_checkpoint(checkpoint)
    config = read_json(resolved.path / "config.json", checkpoint)
    architectures = config.get("architectures") or []
    for name, (architecture, _tiny, _caps) in KINDS.items():
        if architecture in architectures:
            return name
    known = ", ".join(architecture for architecture, _t, _c in KINDS.values())
    raise ModelError(f"model {checkpoint!r} is not a BLIP checkpoint docai can load: its architectures are "
                     f"{architectures or 'missing'} (expected one of {known})")
