"""Replayed hostile pages against ``ask`` (Donut document VQA; ``extract`` and ``classify`` share its page
work): a page of many tiny operators is refused before Donut renders it, many pages sharing one hostile
stream are refused when the document is opened, and the content check and the model share one page
budget — the limits of a conversion's pages, through the same code (issue 8 §2)."""

from __future__ import annotations

import time

import pymupdf
import pytest

from docai.errors import LimitExceededError, ModelError
from docai.ingest.source import PageContext
from docai.options import Limits
from tests.security.hostile import shared_stream_pdf, text_operator_pdf

pytest.importorskip("torch")

#: small canvas and window so a forward pass takes milliseconds
TINY = {"image_size": (128, 96), "window_size": 2}


@pytest.fixture(scope="module")
def donut_dir(tmp_path_factory):
    from docai.models import tiny_model_dir

    return tiny_model_dir("donut", tmp_path_factory.getbasetemp() / "models", **TINY)


@pytest.fixture(autouse=True)
def _cpu_one_thread(monkeypatch):
    import torch

    monkeypatch.setenv("DOCAI_DEVICE", "cpu")
    monkeypatch.setenv("DOCAI_DTYPE", "fp32")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def plain_then_hostile(operators: int) -> bytes:
    """Page 1 an ordinary page; page 2 draws ``operators`` tiny text operators."""
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "Total: 4.50")
    hostile = pymupdf.open(stream=text_operator_pdf(operators), filetype="pdf")
    doc.insert_pdf(hostile)
    data = doc.tobytes(deflate=True)
    doc.close()
    hostile.close()
    return data


def ask(data: bytes, donut_dir, **kwargs):
    from docai.engines.donut import ask as donut_ask

    return donut_ask(data, "What is the total?", str(donut_dir), max_length=28, **kwargs)


def test_a_hostile_page_is_refused_before_donut_renders_it(donut_dir, monkeypatch):
    rendered = []
    render = PageContext.render

    def spy(ctx, dpi):
        rendered.append(ctx.number)
        return render(ctx, dpi)

    monkeypatch.setattr(PageContext, "render", spy)
    limits = Limits(max_page_operators=2_000)
    answer = ask(plain_then_hostile(6_000), donut_dir, limits=limits)
    assert rendered == [1]  # the hostile page never reached mupdf's renderer
    assert [c.page for c in answer.candidates] == [1]
    with pytest.raises(ModelError, match="2,000 content operators"):  # the hostile page alone: its limit named
        ask(text_operator_pdf(6_000), donut_dir, limits=limits)


def test_the_default_limit_stops_a_page_of_a_million_operators(donut_dir, monkeypatch):
    monkeypatch.setattr(PageContext, "render", lambda ctx, dpi: pytest.fail(f"page {ctx.number} was rendered"))
    start = time.monotonic()
    with pytest.raises(ModelError, match="500,000 content operators"):  # ~100 KB that cost 100 s and 2.8 GB
        ask(text_operator_pdf(1_000_000), donut_dir)
    assert time.monotonic() - start < 30


def test_pages_sharing_one_hostile_stream_are_refused_when_the_document_opens(donut_dir, monkeypatch):
    monkeypatch.setattr(PageContext, "render", lambda ctx, dpi: pytest.fail(f"page {ctx.number} was rendered"))
    data = shared_stream_pdf(pages=6, operators=2_000)  # each page under its limit, together over
    with pytest.raises(LimitExceededError, match="over 10,000 content operators together"):
        ask(data, donut_dir, limits=Limits(max_document_operators=10_000))


def test_the_content_check_and_the_model_share_one_page_budget(donut_dir, monkeypatch):
    import docai.engines.donut.pages as pages

    content_cost = PageContext.content_cost

    def slow_check(ctx):
        time.sleep(0.35)
        return content_cost(ctx)

    generate = pages.generate

    def slow_generate(*args, **kwargs):
        time.sleep(0.35)
        return generate(*args, **kwargs)

    monkeypatch.setattr(PageContext, "content_cost", slow_check)
    monkeypatch.setattr(pages, "generate", slow_generate)
    data = plain_then_hostile(10)
    ask(data, donut_dir, pages="1", limits=Limits(page_timeout_s=2))  # each part alone fits
    with pytest.raises(ModelError, match="time budget of 0.5 s"):  # together they do not
        ask(data, donut_dir, pages="1", limits=Limits(page_timeout_s=0.5))
