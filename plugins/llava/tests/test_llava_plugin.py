"""The ``llava`` family through the platform: conformance, chat, VQA, read_page, wrong checkpoints."""

from __future__ import annotations

import json

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


def test_convert_page_prompt_flag_reaches_the_model_and_the_cache_key(tiny_llava, tmp_path, monkeypatch):
    """``docai convert --engine llava:CKPT --llava-page-prompt P``: the model is asked P, and another prompt
    is another cached page (not the first prompt's answer read back)."""
    from click.testing import CliRunner

    from docai.cli import main
    from docai_llava.model import LlavaModel

    asked = []
    original = LlavaModel._ask

    def spy(self, images, prompt, generation, **kwargs):
        asked.append(prompt)
        return original(self, images, prompt, generation, **kwargs)

    monkeypatch.setattr(LlavaModel, "_ask", spy)
    image = tmp_path / "page.png"
    Image.new("RGB", (60, 80), "white").save(image)

    def convert(*extra):
        result = CliRunner().invoke(main, ["convert", str(image), "--engine", f"llava:{tiny_llava}", "-f", "json",
                                           "--cache-dir", str(tmp_path / "cache"), "-q", *extra])
        assert result.exit_code == 0, result.output
        return json.loads(result.output)["markdown"]

    first = convert("--llava-page-prompt", "Read the words.")
    assert asked == ["Read the words."]
    assert convert("--llava-page-prompt", "Read the words.") == first and len(asked) == 1  # cached
    convert("--llava-page-prompt", "List every number.")
    assert asked[-1] == "List every number."  # a different prompt is a different cache key
    convert()
    assert asked[-1] == "Transcribe this page to markdown."
    bad = CliRunner().invoke(main, ["convert", str(image), "--engine", f"llava:{tiny_llava}", "--llava-page-prompt", ""])
    assert bad.exit_code != 0 and "page_prompt" in bad.output


def test_page_prompt_is_a_typed_convert_option_on_every_surface(tiny_llava):
    from docai.client import convert_fields
    from docai.errors import ConfigError
    from docai.options import ConvertOptions

    options = ConvertOptions(engine=f"llava:{tiny_llava}", llava_page_prompt="Read it.")
    assert options.engine_options["llava"] == {"page_prompt": "Read it.", "repetition_guard": True}
    assert ConvertOptions.model_validate(options.model_dump()) == options  # a queued job's options round-trip
    assert "llava_page_prompt" in convert_fields()  # so an HTTP form field and a client argument too
    with pytest.raises(ConfigError, match="llava_device"):
        ConvertOptions(engine_options={"llava": {"device": "cpu"}})  # runtime settings are not family options
