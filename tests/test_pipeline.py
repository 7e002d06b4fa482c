"""The in-process flow end to end: routing recorded, cache reuse, failing pages isolated."""

from __future__ import annotations

import docai
from docai.engines import base
from schemas import Document, Route


def test_convert_bytes_to_document(simple_pdf):
    doc = docai.convert(simple_pdf)
    assert isinstance(doc, Document)
    assert [p.number for p in doc.pages] == [1, 2, 3]
    assert all(p.route is Route.text and p.route_reason for p in doc.pages)
    assert "page number 2" in doc.markdown
    assert doc.sha256 and doc.page_count == 3


def test_page_selection_is_honoured(simple_pdf):
    doc = docai.convert(simple_pdf, pages="3")
    assert [p.number for p in doc.pages] == [3]
    assert "page number 3" in doc.markdown and "page number 1" not in doc.markdown


def test_second_run_is_served_from_cache(simple_pdf, monkeypatch):
    first = docai.convert(simple_pdf)
    assert not any(p.cached for p in first.pages)
    calls = []
    from docai.engines.textlayer import TextLayerEngine

    original = TextLayerEngine.process
    monkeypatch.setattr(TextLayerEngine, "process", lambda self, pages: calls.append(pages) or original(self, pages))
    second = docai.convert(simple_pdf)
    assert calls == []
    assert all(p.cached for p in second.pages)
    assert second.markdown == first.markdown
    third = docai.convert(simple_pdf, recompute=True)
    assert len(calls) >= 1 and not any(p.cached for p in third.pages)


def test_failing_page_is_isolated(simple_pdf, monkeypatch):
    from docai.engines.textlayer import TextLayerEngine

    original = TextLayerEngine.process

    def flaky(self, pages):
        if any(p.number == 2 for p in pages):
            raise RuntimeError("boom on page 2")
        return original(self, pages)

    monkeypatch.setattr(TextLayerEngine, "process", flaky)
    doc = docai.convert(simple_pdf, use_cache=False)
    assert [p.route for p in doc.pages] == [Route.text, Route.failed, Route.text]
    assert doc.failed_pages == [2]
    assert "boom on page 2" in doc.pages[1].errors[0].message
    assert "page number 1" in doc.markdown and "page number 3" in doc.markdown


def test_engine_output_roundtrips_json():
    out = base.EngineOutput(note="x")
    assert base.EngineOutput.model_validate_json(out.model_dump_json()) == out
