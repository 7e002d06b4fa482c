"""One small base class per capability. A family subclasses those it provides and fills in ``*_batch``.

The public method (``caption``, ``vqa``, ``itm`` …) takes the call's images and its typed request
(``schemas.plugins``), prepares the images, cuts them into batches, keeps the time budget, maps errors and
returns one response item per image (per prompt for ``generate_image``, per conversation for ``chat``).
The family implements only the batch method, which sees prepared RGB images and returns plain values::

    class Blip(Captioner, VisualQuestionAnswerer):
        def caption_batch(self, images, request): return [Caption(text=...) for ...]
        def vqa_batch(self, images, request): return [VQAAnswer(...) for ...]
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from docai.errors import InputError, ModelError
from docai.plugins.base import PluginModel, build_request
from docai.plugins.images import ImageLike
from schemas.plugins import (
    Capability,
    Caption,
    CaptionRequest,
    ChatReply,
    ChatRequest,
    Embedding,
    EmbedRequest,
    GeneratedImage,
    GenerateImageRequest,
    LabelProbabilities,
    MatchRequest,
    MatchResult,
    PageReading,
    ReadPageRequest,
    TextScore,
    VQAAnswer,
    VQARequest,
    ZeroShotRequest,
)

if TYPE_CHECKING:
    from PIL import Image


class Captioner(PluginModel):
    capability: ClassVar[Capability] = Capability.caption

    def caption(self, images: Sequence[ImageLike], request: CaptionRequest | None = None) -> list[Caption]:
        """One caption per image (``request.prompt`` conditions it)."""
        req = build_request(Capability.caption, request)
        return self.batched("caption", self.prepare(images), lambda chunk: self.caption_batch(chunk, req))

    def caption_batch(self, images: list[Image.Image], request: CaptionRequest) -> list[Caption]:
        raise NotImplementedError


class VisualQuestionAnswerer(PluginModel):
    capability: ClassVar[Capability] = Capability.vqa

    def vqa(self, images: Sequence[ImageLike], request: VQARequest) -> list[VQAAnswer]:
        """The answer to ``request.question`` for each image."""
        req = build_request(Capability.vqa, request)
        return self.batched("vqa", self.prepare(images), lambda chunk: self.vqa_batch(chunk, req))

    def vqa_batch(self, images: list[Image.Image], request: VQARequest) -> list[VQAAnswer]:
        raise NotImplementedError


class ImageTextMatcher(PluginModel):
    capability: ClassVar[Capability] = Capability.itm

    def itm(self, images: Sequence[ImageLike], request: MatchRequest) -> list[MatchResult]:
        """Per image, the probability (0-1, the ITM head) that each text describes it."""
        req = build_request(Capability.itm, request)
        rows = self.batched("itm", self.prepare(images), lambda chunk: self.itm_batch(chunk, req.texts))
        return [_match("itm", req.texts, row, self.name) for row in rows]

    def itm_batch(self, images: list[Image.Image], texts: list[str]) -> list[list[float]]:
        """One row of ``len(texts)`` probabilities per image."""
        raise NotImplementedError


class ImageTextContrast(PluginModel):
    capability: ClassVar[Capability] = Capability.itc

    def itc(self, images: Sequence[ImageLike], request: MatchRequest) -> list[MatchResult]:
        """Per image, the cosine similarity of its embedding with each text's."""
        req = build_request(Capability.itc, request)
        rows = self.batched("itc", self.prepare(images), lambda chunk: self.itc_batch(chunk, req.texts))
        return [_match("itc", req.texts, row, self.name) for row in rows]

    def itc_batch(self, images: list[Image.Image], texts: list[str]) -> list[list[float]]:
        """One row of ``len(texts)`` similarities per image."""
        raise NotImplementedError


class Embedder(PluginModel):
    capability: ClassVar[Capability] = Capability.embed

    def embed(self, images: Sequence[ImageLike], request: EmbedRequest | None = None) -> list[Embedding]:
        """The embedding of every image, then of every text of the request."""
        req = build_request(Capability.embed, request)
        if not images and not req.texts:
            raise InputError("nothing to embed: give images, texts or both")
        vectors = self.batched("image embedding", self.prepare(images), self.embed_images_batch)
        text_vectors = self.batched("text embedding", list(req.texts), self.embed_texts_batch)
        out = [Embedding(source="image", index=i, vector=_unit(v) if req.normalize else list(v),
                         normalized=req.normalize) for i, v in enumerate(vectors)]
        out += [Embedding(source="text", index=i, vector=_unit(v) if req.normalize else list(v),
                          normalized=req.normalize) for i, v in enumerate(text_vectors)]
        return out

    def embed_images_batch(self, images: list[Image.Image]) -> list[list[float]]:
        raise NotImplementedError

    def embed_texts_batch(self, texts: list[str]) -> list[list[float]]:
        raise NotImplementedError


class ZeroShotClassifier(PluginModel):
    capability: ClassVar[Capability] = Capability.zero_shot

    def zero_shot(self, images: Sequence[ImageLike], request: ZeroShotRequest) -> list[LabelProbabilities]:
        """Per image, the probability of each label (the template filled with it), best label first named."""
        req = build_request(Capability.zero_shot, request)
        if "{}" not in req.template:
            raise InputError(f"the prompt template {req.template!r} has no {{}} for the label")
        prompts = [req.template.replace("{}", label) for label in req.labels]
        rows = self.batched("zero-shot", self.prepare(images), lambda chunk: self.zero_shot_batch(chunk, prompts))
        results = []
        for row in rows:
            probs = {label: float(p) for label, p in zip(req.labels, row, strict=True)}
            results.append(LabelProbabilities(label=max(probs, key=probs.__getitem__), probabilities=probs))
        return results

    def zero_shot_batch(self, images: list[Image.Image], prompts: list[str]) -> list[list[float]]:
        """One row of probabilities (one per prompt, summing to 1) per image."""
        raise NotImplementedError


class Chatter(PluginModel):
    capability: ClassVar[Capability] = Capability.chat

    def chat(self, images: Sequence[ImageLike], request: ChatRequest) -> list[ChatReply]:
        """The assistant's next message in the conversation (one reply)."""
        req = build_request(Capability.chat, request)
        prepared = self.prepare(images)
        for message in req.messages:
            bad = [i for i in message.images if not 0 <= i < len(prepared)]
            if bad:
                raise InputError(f"a message refers to image {bad[0]}, but the call has {len(prepared)} image(s)")
        return self.batched("chat", [(prepared, req)], self.chat_batch)

    def chat_batch(self, conversations: list[tuple[list[Image.Image], ChatRequest]]) -> list[ChatReply]:
        raise NotImplementedError


class ImageGenerator(PluginModel):
    capability: ClassVar[Capability] = Capability.generate_image
    default_batch_size = 4

    def generate_image(self, images: Sequence[ImageLike], request: GenerateImageRequest) -> list[GeneratedImage]:
        """One image per prompt (prompt ``i`` drawn with seed ``request.seed + i``); ``images`` optionally
        condition it: none, one for every prompt, or one per prompt."""
        req = build_request(Capability.generate_image, request)
        prepared = self.prepare(images)
        if len(prepared) not in (0, 1, len(req.prompts)):
            raise InputError(f"{len(prepared)} input images for {len(req.prompts)} prompts: give 0, 1 or one each")
        items = [(prompt, req.seed + i, prepared[i] if len(prepared) > 1 else (prepared[0] if prepared else None))
                 for i, prompt in enumerate(req.prompts)]
        pictures = self.batched("image generation", items, lambda chunk: self.generate_image_batch(chunk, req))
        return [_png(picture, seed) for picture, (_p, seed, _i) in zip(pictures, items, strict=True)]

    def generate_image_batch(self, items: list[tuple[str, int, Image.Image | None]],
                             request: GenerateImageRequest) -> list[Image.Image]:
        """One PIL image per (prompt, seed, input image or None)."""
        raise NotImplementedError


class PageReader(PluginModel):
    capability: ClassVar[Capability] = Capability.read_page
    #: resolution PDF pages are rendered at when the model is a page engine (``--engine FAMILY:CHECKPOINT``)
    page_dpi: ClassVar[int] = 150

    def read_page(self, images: Sequence[ImageLike], request: ReadPageRequest | None = None) -> list[PageReading]:
        """Each page image's markdown, and the blocks parsed from it (so the model can be a page engine)."""
        from docai.engines.nougat.blocks import mmd_to_blocks

        req = build_request(Capability.read_page, request)
        texts = self.batched("page reading", self.prepare(images), lambda chunk: self.read_page_batch(chunk, req))
        return [PageReading(markdown=text, blocks=mmd_to_blocks(text)) for text in texts]

    def read_page_batch(self, images: list[Image.Image], request: ReadPageRequest) -> list[str]:
        """The markdown of each page image."""
        raise NotImplementedError


#: capability → its base class (what ``PluginModel.capabilities`` and the conformance suite check)
CAPABILITY_CLASSES: dict[Capability, type[PluginModel]] = {
    cls.capability: cls for cls in (Captioner, VisualQuestionAnswerer, ImageTextMatcher, ImageTextContrast,
                                    Embedder, ZeroShotClassifier, Chatter, ImageGenerator, PageReader)
}


def _match(mode: str, texts: list[str], row: Sequence[float], name: str) -> MatchResult:
    if len(row) != len(texts):
        raise ModelError(f"{name}: {mode} gave {len(row)} scores for {len(texts)} texts")
    return MatchResult(mode=mode, scores=[TextScore(text=t, score=float(s)) for t, s in zip(texts, row, strict=True)])


def _unit(vector: Sequence[float]) -> list[float]:
    values = [float(v) for v in vector]
    norm = math.sqrt(sum(v * v for v in values))
    return [v / norm for v in values] if norm > 0 else values


def _png(picture: Image.Image, seed: int) -> GeneratedImage:
    buffer = io.BytesIO()
    picture.convert("RGB").save(buffer, format="PNG")
    return GeneratedImage(png_base64=base64.b64encode(buffer.getvalue()).decode("ascii"),
                          width=picture.width, height=picture.height, seed=seed)
