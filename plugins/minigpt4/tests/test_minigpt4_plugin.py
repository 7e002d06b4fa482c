"""The ``minigpt4`` family through the platform: conformance, chat rules, the loader kind."""

from __future__ import annotations

import pytest
from PIL import Image

# these families load through the one loader's processor handling (docai.models.parts, issue 9)
pytest.importorskip("docai.models.parts", reason="needs the generalised loader of issue 9")

from docai.errors import InputError
from docai.plugins.testing import check_conformance
from schemas.plugins import ChatMessage, ChatRequest, GenerationOptions, VQARequest


@pytest.fixture(params=["vicuna", "llama2"])
def minigpt4(request):
    from docai.plugins.models import create_model

    directory = request.getfixturevalue(f"tiny_{request.param}")
    return create_model(f"minigpt4:{directory}", {"device": "cpu", "dtype": "fp32"})


def test_conformance(minigpt4):
    check_conformance(minigpt4)


def test_loads_through_the_one_loader(minigpt4):
    from docai_minigpt4.model import MiniGPT4ForConditionalGeneration

    assert minigpt4.loaded.kind == "minigpt4"
    assert isinstance(minigpt4.model, MiniGPT4ForConditionalGeneration)


def test_chat_is_multi_turn_about_one_image(minigpt4):
    images = [Image.new("RGB", (40, 30), "red"), Image.new("RGB", (30, 40), "blue")]
    short = GenerationOptions(max_new_tokens=5)
    chat = ChatRequest(messages=[ChatMessage(role="user", content="What is it?", images=[1]),
                                 ChatMessage(role="assistant", content="A square."),
                                 ChatMessage(role="user", content="Colour?")], generation=short)
    (reply,) = minigpt4.chat(images, chat)
    assert isinstance(reply.text, str) and "###" not in reply.text
    two = ChatRequest(messages=[ChatMessage(role="user", content="Compare", images=[0, 1])], generation=short)
    with pytest.raises(InputError, match="exactly one image"):
        minigpt4.chat(images, two)
    (answer,) = minigpt4.vqa(images[:1], VQARequest(question="What?", generation=short))
    assert "###" not in answer.answer
