"""One small protocol per capability. A plugin model implements the ones it declares."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from PIL import Image

from schemas.plugins import Capability, Caption, Embedding, GeneratedImage, ITMScore, VQAAnswer


@runtime_checkable
class Captioner(Protocol):
    def caption(self, images: list[Image.Image], prompt: str | None = None) -> list[Caption]:
        """One caption per image (an optional text prompt conditions it)."""
        ...


@runtime_checkable
class VisualQuestionAnswerer(Protocol):
    def answer(self, images: list[Image.Image], questions: list[str]) -> list[VQAAnswer]:
        """One answer per (image, question) pair."""
        ...


@runtime_checkable
class ImageTextMatcher(Protocol):
    def match(self, image: Image.Image, texts: list[str]) -> list[ITMScore]:
        """How well each text matches the image."""
        ...


@runtime_checkable
class Embedder(Protocol):
    def embed_images(self, images: list[Image.Image]) -> list[Embedding]:
        ...

    def embed_texts(self, texts: list[str]) -> list[Embedding]:
        ...


@runtime_checkable
class Classifier(Protocol):
    def classify(self, images: list[Image.Image], labels: list[str]) -> list[dict[str, float]]:
        """Label probabilities per image."""
        ...


@runtime_checkable
class Chatter(Protocol):
    def chat(self, images: list[Image.Image], messages: list[dict[str, str]]) -> str:
        """The assistant's reply to a conversation about the images."""
        ...


@runtime_checkable
class ImageGenerator(Protocol):
    def generate_image(self, prompt: str, *, width: int = 512, height: int = 512,
                       seed: int | None = None) -> GeneratedImage:
        ...


PROTOCOLS: dict[Capability, type] = {
    Capability.caption: Captioner,
    Capability.vqa: VisualQuestionAnswerer,
    Capability.itm: ImageTextMatcher,
    Capability.embed: Embedder,
    Capability.classify: Classifier,
    Capability.chat: Chatter,
    Capability.generate_image: ImageGenerator,
}
