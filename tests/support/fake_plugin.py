"""A small plugin registered through the real hooks, for testing the platform without torch or any model.

Family ``fake``: answers are pure functions of the image's size and the request, so a batch equals the
same items one by one and tests can predict every value. ``fake:slow`` sleeps per batch (time budgets);
``fake:boom`` raises inside the model (error mapping). Use it with::

    registry = discover(allow="", extra=[("docai-fake", "1.2.3", fake_plugin)])
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
from pydantic import Field

from docai.models.kinds import ModelKind
from docai.plugins import ModelOptions, ModelSpec, hookimpl
from docai.plugins.capabilities import (
    Captioner,
    Embedder,
    ImageTextContrast,
    ImageTextMatcher,
    PageReader,
    VisualQuestionAnswerer,
    ZeroShotClassifier,
)
from schemas.plugins import Caption, VQAAnswer

#: every batch the fake models ran, as (capability, batch length) — tests read and clear it
CALLS: list[tuple[str, int]] = []
CLOSED: list[str] = []


class FakeOptions(ModelOptions):
    prefix: str = Field(default="an image", description="first words of every caption")


class FakeModel(Captioner, VisualQuestionAnswerer, ImageTextMatcher, ImageTextContrast, Embedder,
                ZeroShotClassifier, PageReader):
    Options = FakeOptions
    default_batch_size = 2

    def _maybe_fail(self) -> None:
        if self.checkpoint == "slow":
            time.sleep(0.05)
        if self.checkpoint == "boom":
            raise RuntimeError("tensor shapes do not match\nsecond line")

    def caption_batch(self, images, request):
        self._maybe_fail()
        CALLS.append(("caption", len(images)))
        start = f"{request.prompt} " if request.prompt else ""
        return [Caption(text=f"{start}{self.options.prefix} {im.width}x{im.height}") for im in images]

    def vqa_batch(self, images, request):
        CALLS.append(("vqa", len(images)))
        return [VQAAnswer(question=request.question, answer=str(im.width * im.height)) for im in images]

    def itm_batch(self, images, texts):
        CALLS.append(("itm", len(images)))
        return [[1.0 if str(im.width) in text else 0.0 for text in texts] for im in images]

    def itc_batch(self, images, texts):
        CALLS.append(("itc", len(images)))
        return [[len(text) / (len(text) + im.width) for text in texts] for im in images]

    def embed_images_batch(self, images):
        CALLS.append(("embed_images", len(images)))
        return [[float(im.width), float(im.height)] for im in images]

    def embed_texts_batch(self, texts):
        CALLS.append(("embed_texts", len(texts)))
        return [[float(len(text)), 1.0] for text in texts]

    def zero_shot_batch(self, images, prompts):
        CALLS.append(("zero_shot", len(images)))
        rows = []
        for im in images:
            weights = [1.0 + (im.width % (i + 2)) for i in range(len(prompts))]
            rows.append([w / sum(weights) for w in weights])
        return rows

    def read_page_batch(self, images, request):
        CALLS.append(("read_page", len(images)))
        return [f"# Page {im.width}x{im.height}\n\nSome text." for im in images]

    def close(self) -> None:
        CLOSED.append(self.checkpoint)


@click.command("fake-hello")
def hello() -> None:
    """Say hello from the fake plugin."""
    click.echo("hello from fake")


@hookimpl
def register_models(register):
    register(ModelSpec(family="fake", capabilities=["caption", "vqa", "itm", "itc", "embed", "zero_shot",
                                                     "read_page"],
                       factory="tests.support.fake_plugin:FakeModel", options=FakeOptions,
                       description="predictable answers for tests", default_checkpoint="default"))


def write_tiny_fake(directory: Path, *, seed: int = 0, **overrides) -> Path:
    """The fake kind's "tiny checkpoint": a config naming the seed and the overrides."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text(json.dumps({"model_type": "fake", "seed": seed, **overrides}))
    return directory


@hookimpl
def register_model_kinds(register):
    register(ModelKind(name="fake", model_type="fake", model_class="tests.support.fake_plugin:FakeModel",
                       tiny="tests.support.fake_plugin:write_tiny_fake"))


@hookimpl
def register_commands(cli):
    cli.add_command(hello)
