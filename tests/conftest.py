"""Shared fixtures: the shared dev set, PDF builders, an isolated cache directory."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pymupdf
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("DOCAI_SHARED", REPO.parent / "shared"))
TESTDATA = SHARED / "testdata" / "docling"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Every test gets its own page cache, so no test sees another's cached pages. The CPU probe (a
    second of timing, see docai.models.cpu_probe) is off: tests that need it patch its measurement."""
    monkeypatch.setenv("DOCAI_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("DOCAI_CPU_PROBE", "off")


@pytest.fixture
def fake_registry():
    """The plugin registry holding only the fake plugin (``tests.support.fake_plugin``), no model loaded
    before or after the test; yields the fake's call log, emptied first."""
    from docai.plugins import discover, set_registry
    from docai.plugins.models import clear_models
    from tests.support import fake_plugin

    set_registry(discover(allow="", extra=[("docai-fake", "1.2.3", fake_plugin)]))
    clear_models()
    fake_plugin.CALLS.clear()
    yield fake_plugin.CALLS
    clear_models()
    set_registry(None)


@pytest.fixture
def testdata() -> Path:
    """The shared docling dev set (skips the test where ../shared is not checked out)."""
    if not TESTDATA.is_dir():
        pytest.skip(f"shared test data not found at {TESTDATA}")
    return TESTDATA


def pdf_bytes(pages: list[list[tuple[tuple[float, float], str, float]]], *, size=(595, 842)) -> bytes:
    """A PDF whose page i has the texts ``(point, text, fontsize)`` in Helvetica."""
    doc = pymupdf.open()
    for items in pages:
        page = doc.new_page(width=size[0], height=size[1])
        for point, text, fontsize in items:
            page.insert_text(point, text, fontsize=fontsize, fontname="helv")
    data = doc.tobytes()
    doc.close()
    return data


@pytest.fixture
def make_pdf() -> Callable[..., bytes]:
    """Build a PDF from text placements (see :func:`pdf_bytes`)."""
    return pdf_bytes


@pytest.fixture
def simple_pdf() -> bytes:
    """Three pages of plain text, each saying which page it is."""
    return pdf_bytes([[((72, 100), f"This is page number {n} of the simple test document.", 11)] for n in (1, 2, 3)])


@pytest.fixture
def sample_pdf() -> Path:
    return REPO / "samples" / "sample.pdf"
