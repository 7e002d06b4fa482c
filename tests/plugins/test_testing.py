"""The conformance suite passes a conforming model and catches each kind of non-conformance (no torch)."""

from __future__ import annotations

import pytest

from docai.plugins import discover
from docai.plugins.models import create_model
from docai.plugins.testing import ConformanceError, check_conformance, sample_images
from schemas.plugins import Caption
from tests.support import fake_plugin


@pytest.fixture
def registry():
    return discover(allow="", extra=[("docai-fake", "1.2.3", fake_plugin)])


def test_the_fake_family_conforms(registry):
    model = create_model("fake:ckpt", registry=registry)
    report = check_conformance(model)
    for cap in ("caption", "vqa", "itm", "itc", "embed", "zero_shot", "read_page"):
        for check in ("valid responses", "batch equals one by one", "bad input is a docai error"):
            assert f"{cap}: {check}" in report.passed
    assert "chat: refused (not a capability of the model)" in report.passed
    assert report.failures == []


class BatchDependent(fake_plugin.FakeModel):
    """Captions that change with the batch they run in (e.g. padding leaking into the answer)."""

    def caption_batch(self, images, request):
        return [Caption(text=f"one of {len(images)}") for _ in images]


class WrongTypes(fake_plugin.FakeModel):
    """Returns plain strings instead of ``Caption`` objects."""

    def caption_batch(self, images, request):
        return ["a caption" for _ in images]


class Unbounded(fake_plugin.FakeModel):
    """A zero-shot result whose probabilities do not sum to one, and an ITM score above one."""

    def zero_shot_batch(self, images, prompts):
        return [[0.9 for _ in prompts] for _ in images]

    def itm_batch(self, images, texts):
        return [[2.0 for _ in texts] for _ in images]


class Crashing(fake_plugin.FakeModel):
    """Skips the base class's image preparation, so bad bytes crash inside the model."""

    def prepare(self, images):
        return list(images)

    def vqa_batch(self, images, request):
        return [fake_plugin.VQAAnswer(question=request.question, answer=str(im.width)) for im in images]


@pytest.mark.parametrize(("model_class", "capability", "expected"), [
    (BatchDependent, "caption", "caption: batch equals one by one: item 0 differs in a batch"),
    (WrongTypes, "caption", "caption: valid responses: a response is str, not Caption"),
    (Unbounded, "zero_shot", "zero_shot: valid responses: probabilities do not sum to 1"),
    (Unbounded, "itm", "itm: valid responses: itm score out of range"),
    (Crashing, "vqa", "vqa: bad input is a docai error: expected UnsupportedInputError, got"),
])
def test_each_kind_of_non_conformance_is_reported(model_class, capability, expected):
    model = model_class("ckpt")
    with pytest.raises(ConformanceError) as failed:
        check_conformance(model, capabilities=[capability])
    assert expected in str(failed.value)
    assert str(failed.value).startswith(f"{model_class.__name__}:ckpt: ")


def test_sample_images_cover_several_modes_and_sizes():
    images = sample_images(4)
    assert {im.mode for im in images} == {"RGB", "RGBA", "L", "P"}
    assert len({im.size for im in images}) == 4
    assert [im.tobytes() for im in sample_images(4)] == [im.tobytes() for im in images]
