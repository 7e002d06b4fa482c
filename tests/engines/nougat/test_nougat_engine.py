"""The Nougat engine end to end: PDF → blocks through the taught tiny checkpoint, CLI, routing, rescue."""

from __future__ import annotations

import io

import pytest
from click.testing import CliRunner
from PIL import Image, ImageDraw

import docai
from docai.cli import main
from docai.engines.base import EngineOutput
from docai.engines.nougat import engine as engine_module
from docai.engines.nougat.outcome import PageOutcome
from docai.errors import ConfigError, ModelError
from docai.options import ConvertOptions
from schemas.document import Block, BlockKind, Route

pytestmark = pytest.mark.usefixtures("fresh_engines")


@pytest.fixture
def scan_png() -> bytes:
    image = Image.new("RGB", (300, 400), "white")
    ImageDraw.Draw(image).text((40, 60), "E = m c^2", fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_pdf_to_blocks_with_taught_model(taught_nougat_dir, simple_pdf):
    doc = docai.convert(simple_pdf, engine="nougat", nougat_model=str(taught_nougat_dir), pages="1-2")
    page = doc.pages[0]
    assert page.route is Route.nougat and page.engine == "nougat" and not page.errors
    assert [(b.kind, b.text) for b in page.blocks[:4]] == [
        (BlockKind.heading, "Results"), (BlockKind.paragraph, "We find \\(x=1\\) here."),
        (BlockKind.formula, "E=mc^{2}"), (BlockKind.list, "first point")]
    assert page.blocks[-1].kind is BlockKind.table and page.blocks[-1].rows == [["a", "b"], ["1", "2"]]
    assert "# Results\n\nWe find \\(x=1\\) here.\n\n$$\nE=mc^{2}\n$$" in doc.markdown
    assert {"render_s", "decode_s", "engine_s"} <= set(page.timings)


def test_batch_size_does_not_change_output(taught_nougat_dir, simple_pdf):
    one = docai.convert(simple_pdf, engine="nougat", nougat_model=str(taught_nougat_dir), batch_size=1,
                        use_cache=False)
    three = docai.convert(simple_pdf, engine="nougat", nougat_model=str(taught_nougat_dir), batch_size=3,
                          use_cache=False)
    assert [p.blocks for p in one.pages] == [p.blocks for p in three.pages]


def test_cli_convert_with_nougat_model(taught_nougat_dir, simple_pdf, tmp_path):
    pdf = tmp_path / "in.pdf"
    pdf.write_bytes(simple_pdf)
    result = CliRunner().invoke(main, ["convert", str(pdf), "--engine", "nougat", "--nougat-model",
                                       str(taught_nougat_dir), "--pages", "1", "-q"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# Results\n")


def test_auto_routes_scans_to_nougat_when_configured(tiny_nougat_dir, scan_png):
    doc = docai.convert(scan_png, nougat_model=str(tiny_nougat_dir))
    assert doc.pages[0].route is Route.nougat
    assert "nougat model configured" in doc.pages[0].route_reason


def test_missing_model_is_one_clear_line(simple_pdf, tmp_path):
    with pytest.raises(ConfigError, match="^--engine nougat needs nougat_model"):  # refused as the options are built
        docai.convert(simple_pdf, engine="nougat", pages="1")
    with pytest.raises(ModelError) as raised:
        docai.convert(simple_pdf, engine="nougat", pages="1", nougat_model=str(tmp_path / "nope"))
    assert raised.value.code == "model_error" and "\n" not in str(raised.value)


def _collapse_first_pass(monkeypatch, retry_ok: bool) -> None:
    """The first pass collapses; the retry (decoded with a repetition penalty) is ok or collapses too."""
    real = engine_module.judge

    def judge(generation, tokenizer, settings):
        if settings.repetition_penalty == 1.0 or not retry_ok:
            return PageOutcome("collapsed", reason="the output repeats from token 9 of 99", marker="FAIL")
        return real(generation, tokenizer, settings)

    monkeypatch.setattr(engine_module, "judge", judge)


def _engine(model_dir, **settings):
    return engine_module.NougatEngine(ConvertOptions(nougat_model=str(model_dir)),
                                      engine_module.NougatSettings(**settings))


def test_collapsed_page_is_retried_and_the_retry_kept(taught_nougat_dir, simple_pdf, monkeypatch):
    _collapse_first_pass(monkeypatch, retry_ok=True)
    with docai.ingest.source.open_source(simple_pdf, pages="1") as src:
        (out,) = _engine(taught_nougat_dir).process(src.pages())
    assert out.blocks[0].text == "Results" and not out.errors
    assert "retried with repetition_penalty=1.2: kept the retry" in out.note


def test_twice_collapsed_page_falls_back_to_ocr(taught_nougat_dir, simple_pdf, monkeypatch):
    _collapse_first_pass(monkeypatch, retry_ok=False)

    class FakeOcr:
        def process(self, pages):
            return [EngineOutput(blocks=[Block(kind=BlockKind.paragraph, text="ocr text")])]

    monkeypatch.setattr("docai.engines.get_engine", lambda name, options: FakeOcr())
    with docai.ingest.source.open_source(simple_pdf, pages="1") as src:
        (out,) = _engine(taught_nougat_dir).process(src.pages())
    assert out.blocks[0].text == "ocr text" and not out.errors
    assert "collapsed again" in out.note and "kept the ocr engine's output" in out.note


def test_without_fallback_the_page_is_marked_failed(taught_nougat_dir, simple_pdf, monkeypatch):
    _collapse_first_pass(monkeypatch, retry_ok=False)
    with docai.ingest.source.open_source(simple_pdf, pages="2") as src:
        (out,) = _engine(taught_nougat_dir, fallback="none").process(src.pages())
    assert [b.text for b in out.blocks] == ["[MISSING_PAGE_FAIL:2]"]
    assert out.errors[0].code == "nougat_collapsed" and "repeats from token 9" in out.errors[0].message


def test_settings_from_environment_are_checked():
    settings = engine_module.NougatSettings.from_env({"DOCAI_NOUGAT_DPI": "120", "DOCAI_NOUGAT_GUARD": "off"})
    assert (settings.dpi, settings.guard) == (120, False)
    with pytest.raises(docai.errors.ConfigError, match=r"DOCAI_NOUGAT_DPI=.many. is not an integer$"):
        engine_module.NougatSettings.from_env({"DOCAI_NOUGAT_DPI": "many"})
    with pytest.raises(docai.errors.ConfigError, match="fallback"):
        engine_module.NougatSettings(fallback="magic")
