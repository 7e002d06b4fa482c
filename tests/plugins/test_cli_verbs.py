"""``docai caption|vqa|match|embed|zero-shot`` in-process on the fake plugin: inputs, formats, errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from PIL import Image

from docai.cli import main
from docai.plugins import ModelSpec, discover, hookimpl, set_registry
from docai.plugins.models import clear_models
from schemas.plugins import PluginResult
from tests.support import fake_plugin


class CaptionOnly:
    @hookimpl
    def register_models(self, register):
        register(ModelSpec(family="captions", capabilities=["caption"], factory="tests.support.fake_plugin:FakeModel"))


@pytest.fixture(autouse=True)
def fake_registry():
    set_registry(discover(allow="", extra=[("docai-fake", "1.2.3", fake_plugin), ("docai-captions", "1", CaptionOnly())]))
    clear_models()
    fake_plugin.CALLS.clear()
    yield
    clear_models()
    set_registry(None)


@pytest.fixture
def pictures(tmp_path):
    paths = []
    for width in (30, 40, 50):
        path = tmp_path / f"w{width}.png"
        Image.new("RGB", (width, 20), "red").save(path)
        paths.append(str(path))
    return paths


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_caption_batches_many_inputs_and_prints_one_line_each(pictures):
    result = invoke("caption", *pictures, "--model", "fake:ckpt", "--batch-size", "2", "-O", "prefix=a picture")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["w30.png\ta picture 30x20", "w40.png\ta picture 40x20", "w50.png\ta picture 50x20"]
    assert fake_plugin.CALLS == [("caption", 2), ("caption", 1)]


def test_pdf_pages_render_through_ingest_and_json_format(simple_pdf, tmp_path):
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(simple_pdf)
    out = tmp_path / "out.json"
    result = invoke("caption", pdf, "-m", "fake:ckpt", "--pages", "2-3", "--format", "json", "-o", out, "--prompt", "see")
    assert result.exit_code == 0, result.output
    parsed = PluginResult.model_validate_json(out.read_text())
    assert [a.input for a in parsed.answers] == ["doc.pdf#2", "doc.pdf#3"]
    assert parsed.plugin == "docai-fake" and parsed.plugin_version == "1.2.3" and parsed.model == "fake:ckpt"
    assert parsed.answers[0].output["text"].startswith("see an image ")  # a page rendered at 144 DPI


def test_vqa_match_embed_and_zero_shot(pictures):
    vqa = invoke("vqa", pictures[0], "how big?", "-m", "fake:x")
    assert vqa.exit_code == 0 and vqa.output == "w30.png\t600\n"
    itm = invoke("match", pictures[1], "40 wide", "tall", "-m", "fake:x")
    assert itm.output.splitlines() == ["w40.png\t1.0000\t40 wide", "w40.png\t0.0000\ttall"]
    itc = invoke("match", pictures[1], "abc", "-m", "fake:x", "--mode", "itc")
    assert itc.exit_code == 0 and itc.output.startswith("w40.png\t0.0698\tabc")
    embed = invoke("embed", pictures[0], "--text", "hello", "-m", "fake:x")
    lines = [json.loads(line) for line in embed.output.splitlines()]
    assert [(x["input"], x["text"], x["output"]["source"]) for x in lines] == [("w30.png", None, "image"),
                                                                               (None, "hello", "text")]
    zero = invoke("zero-shot", *pictures[:2], "--labels", "cat, dog", "-m", "fake:x")
    assert zero.exit_code == 0 and [line.split("\t")[0] for line in zero.output.splitlines()] == ["w30.png", "w40.png"]


@pytest.mark.parametrize(("args", "code", "message"), [
    (["caption", "{pic}", "-m", "blip:x"], 9, "unknown model family 'blip' (installed: captions, fake)"),
    (["vqa", "{pic}", "q?", "-m", "captions:x"], 9, "model family 'captions' cannot vqa (it can: caption)"),
    (["caption", "{txt}", "-m", "fake:x"], 3, "not a PDF or a supported image"),
    (["caption", "{pic}", "-m", "fake:x", "--max-image-pixels", "100"], 8, "is over the limit of 100"),
    (["caption", "{pic}", "-m", "fake:x", "-O", "colour=red"], 12, "options.colour: Extra inputs"),
    (["caption", "{pic}", "-m", "fake"], 0, "a"),  # the family's default checkpoint
])
def test_bad_input_is_one_line_with_its_exit_code(pictures, tmp_path, args, code, message):
    text = tmp_path / "notes.txt"
    text.write_text("just text")
    result = invoke(*[a.format(pic=pictures[0], txt=text) for a in args])
    assert result.exit_code == code, result.output
    assert message in result.output
    if code:
        assert len(result.output.strip().splitlines()) == 1
