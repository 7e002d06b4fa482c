"""``--describe-figures``: figure blocks captioned by a plugin model, cached by the figure's content hash
(on the fake plugin, no torch; plugins/blip/tests runs it with a real BLIP checkpoint)."""

from __future__ import annotations

import io

import numpy as np
import pymupdf
import pytest
from click.testing import CliRunner
from PIL import Image

import docai
from docai.cli import main
from docai.errors import ModelError


def figures_pdf(sizes=((90, 120), (60, 200))) -> bytes:
    """One page: a line of text and one noise image per size (height, width in pixels)."""
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((72, 80), "A page with figures and some text about them.", fontsize=11)
    for i, (h, w) in enumerate(sizes):
        buf = io.BytesIO()
        Image.fromarray(np.random.default_rng(i).integers(0, 255, (h, w, 3), dtype=np.uint8)).save(buf, "PNG")
        page.insert_image(pymupdf.Rect(72, 120 + 260 * i, 72 + w * 1.5, 120 + 260 * i + h * 1.5), stream=buf.getvalue())
    data = doc.tobytes()
    doc.close()
    return data


@pytest.fixture
def fake_models(fake_registry):
    return fake_registry


def figure_texts(document) -> list[str]:
    return [b.text for p in document.pages for b in p.blocks if b.kind == "figure"]


def test_each_figure_gets_the_models_caption_of_its_cut_out(fake_models):
    document = docai.convert(figures_pdf(), describe_figures="fake:ckpt")
    # the fake model captions "an image WxH" of the image it is given: the figure box (180 and 300 points
    # wide) rendered at 150 DPI
    texts = figure_texts(document)
    assert [t.split("x")[0] for t in texts] == ["an image 375", "an image 625"]
    assert f"<!-- image: {texts[0]} -->" in document.markdown
    assert document.options["describe_figures"] == "fake:ckpt"
    assert fake_models == [("caption", 2)]


def test_captions_are_cached_by_content_and_model(fake_models, tmp_path):
    first = docai.convert(figures_pdf(), describe_figures="fake:ckpt", cache_dir=str(tmp_path))
    again = docai.convert(figures_pdf(), describe_figures="fake:ckpt", cache_dir=str(tmp_path))
    assert figure_texts(again) == figure_texts(first) and fake_models == [("caption", 2)]
    other = docai.convert(figures_pdf(), describe_figures="fake:other", cache_dir=str(tmp_path))
    assert fake_models == [("caption", 2), ("caption", 2)], "another checkpoint is another cache key"
    assert figure_texts(other) == figure_texts(first)
    docai.convert(figures_pdf(), describe_figures="fake:ckpt", cache_dir=str(tmp_path), recompute=True)
    assert len(fake_models) == 3
    assert len(list((tmp_path / "figures").rglob("*.json"))) == 4


def test_a_failing_model_marks_the_page_and_keeps_the_document(fake_models):
    document = docai.convert(figures_pdf(), describe_figures="fake:boom", use_cache=False)
    assert figure_texts(document) == ["", ""]
    (error,) = document.pages[0].errors
    assert error.code == "model_error" and "describing figures" in error.message
    assert "A page with figures" in document.markdown


def test_an_unknown_or_unfit_model_fails_before_converting(fake_models, tmp_path):
    with pytest.raises(ModelError, match="unknown model family 'nope'"):
        docai.convert(figures_pdf(), describe_figures="nope:x")
    pdf = tmp_path / "figures.pdf"
    pdf.write_bytes(figures_pdf())
    result = CliRunner().invoke(main, ["convert", str(pdf), "--describe-figures", "nope:x"])
    assert result.exit_code == ModelError.exit_code
    assert result.output.strip().splitlines() == [result.output.strip().splitlines()[0]]
    result = CliRunner().invoke(main, ["convert", str(pdf), "--describe-figures", "fake:ckpt", "--no-cache"])
    assert result.exit_code == 0, result.output
    assert "<!-- image: an image 375x" in result.output
