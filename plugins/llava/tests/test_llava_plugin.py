"""The ``llava`` family through the platform: conformance, chat, VQA, read_page, wrong checkpoints."""

from __future__ import annotations

import pytest
from PIL import Image

# these families load through the one loader's processor handling (docai.models.parts, issue 9)
pytest.importorskip("docai.models.parts", reason="needs the generalised loader of issue 9")

from docai.errors import InputError, ModelError
from docai.plugins.testing import check_conformance
from schemas.plugins import ChatMessage, ChatRequest, GenerationOptions, ReadPageRequest, VQARequest


@pytest.fixture
def llava(tiny_llava):
    from docai.plugins.models import create_model

    return create_model(f"llava:{tiny_llava}", {"device": "cpu", "dtype": "fp32"})


def test_conformance(llava):
    check_conformance(llava)


def test_vqa_batch_equals_one_by_one_and_chat_is_multi_turn(llava):
    images = [Image.new("RGB", (30 + 9 * i, 40), c) for i, c in enumerate(["red", "blue", "green"])]
    request = VQARequest(question="What colour?", generation=GenerationOptions(max_new_tokens=6))
    batched = llava.vqa(images, request)
    assert [a.answer for a in batched] == [llava.vqa([im], request)[0].answer for im in images]
    chat = ChatRequest(messages=[ChatMessage(role="user", content="What is it?", images=[0]),
                                 ChatMessage(role="assistant", content="A square."),
                                 ChatMessage(role="user", content="And its colour?")],
                       generation=GenerationOptions(max_new_tokens=6))
    (reply,) = llava.chat(images[:1], chat)
    assert isinstance(reply.text, str)
    with pytest.raises(InputError, match="refers to image 2"):
        llava.chat(images[:1], ChatRequest(messages=[ChatMessage(role="user", content="x", images=[2])]))


def test_read_page_returns_markdown_and_blocks(llava):
    (page,) = llava.read_page([Image.new("RGB", (60, 80), "white")],
                              ReadPageRequest(generation=GenerationOptions(max_new_tokens=12)))
    assert isinstance(page.markdown, str) and isinstance(page.blocks, list)


def test_a_checkpoint_of_another_family_is_refused(tmp_path):
    from docai.models.tiny import write_tiny_model
    from docai.plugins.models import create_model

    nougat = write_tiny_model("nougat", tmp_path / "nougat", image_size=(64, 64), window_size=2)
    with pytest.raises(ModelError, match="not a LLaVA-family"):
        create_model(f"llava:{nougat}", {"device": "cpu"})


def test_docai_chat_one_shot(tiny_llava, tmp_path):
    from click.testing import CliRunner

    from docai.cli import main

    image = tmp_path / "page.png"
    Image.new("RGB", (40, 30), "red").save(image)
    result = CliRunner().invoke(main, ["chat", str(image), "--model", f"llava:{tiny_llava}", "-m", "What is it?",
                                       "--max-new-tokens", "4", "--device", "cpu", "--dtype", "fp32"])
    assert result.exit_code == 0, result.output
    assert result.output.strip()
    bad = CliRunner().invoke(main, ["chat", str(image), "--model", f"llava:{tiny_llava}", "-m", ""])
    assert bad.exit_code != 0
