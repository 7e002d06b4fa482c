"""Every PDF of the shared dev set converts through the text layer with sane output."""

from __future__ import annotations

import re

import pytest

import docai
from schemas.document import BlockKind


@pytest.fixture(scope="module")
def converted(testdata):
    return {pdf.name: docai.convert(pdf, engine="text", use_cache=False) for pdf in sorted((testdata / "pdf").glob("*.pdf"))}


@pytest.fixture(scope="module")
def testdata():  # module-scoped twin of the conftest fixture
    from tests.conftest import TESTDATA

    if not TESTDATA.is_dir():
        pytest.skip(f"shared test data not found at {TESTDATA}")
    return TESTDATA


def test_every_pdf_converts_without_page_errors(converted):
    assert converted
    for name, doc in converted.items():
        assert not doc.failed_pages, name
        assert all(p.engine == "text" for p in doc.pages), name


def test_output_is_sane(converted):
    for name, doc in converted.items():
        words = re.findall(r"\w+", doc.markdown)
        assert len(words) >= 20 * len(doc.pages) or name.startswith("right_to_left"), name
        assert "\n\n\n" not in doc.markdown, name
        for page in doc.pages:
            for block in page.blocks:
                if block.kind is BlockKind.heading:
                    assert 1 <= block.level <= 3 and block.text.strip(), name
                if block.kind is BlockKind.table:
                    assert block.rows and len({len(r) for r in block.rows}) == 1, name


def test_known_structure_is_found(converted):
    paper = converted["2305.03393v1-pg9.pdf"]
    assert "## 5.1 Hyper Parameter Optimization" in paper.markdown or "# 5.1 Hyper Parameter Optimization" in paper.markdown
    assert "| 6 | 6 | OTSL HTML | 0.965 0.969 |" in paper.markdown
    redbook = converted["redp5110_sampled.pdf"]
    assert sum(b.kind is BlockKind.table for p in redbook.pages for b in p.blocks) >= 3
    assert sum(b.kind in (BlockKind.header, BlockKind.footer) for p in redbook.pages for b in p.blocks) >= 10
