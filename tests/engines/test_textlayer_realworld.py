"""The pages issue 7 names, from the shared realworld corpus: what used to be lost is kept."""

from __future__ import annotations

import pymupdf
import pytest

import docai
from docai.conservation import coverage, markdown_words, page_layer
from tests.support.corpora import SHARED

REALWORLD = SHARED / "realworld"


def _page(path: str, number: int):
    pdf = REALWORLD / path
    if not pdf.is_file():
        pytest.skip(f"shared test data not found at {pdf}")
    page = docai.convert(pdf, pages=str(number), use_cache=False).pages[0]
    with pymupdf.open(pdf) as doc:
        recall = coverage(page_layer(doc[number - 1]), markdown_words(page.markdown)).recall
    return page, recall


@pytest.mark.parametrize(("path", "number", "expect"), [
    ("jsvine+pdfplumber/tests/pdfs/issue-140-example.pdf", 1, "LILYS DRK CHC CRMLZD SLTD"),  # printed 0 bytes
    ("jsvine+pdfplumber/tests/pdfs/senate-expenditures.pdf", 1, "DOCUMENT NO."),  # recall was 0.003
    ("docling-project+docling/tests/data/odf/sources/odf_presentation_01.odp.pdf", 2, "Second slide title"),
])
def test_rotate_pages_keep_their_text(path, number, expect):
    """Cause 1: /Rotate 90 and 270 pages whose text reads upright on screen."""
    page, recall = _page(path, number)
    assert page.route == "text" and expect in page.markdown and recall >= 0.85


@pytest.mark.parametrize(("path", "number", "row"), [
    # /Rotate 90, text upright on screen: used to come out as one line per cell, the first row taken
    # for a running header
    ("jsvine+pdfplumber/tests/pdfs/issue-140-example.pdf", 1,
     ["", "0085648100380", "CENTRAL KMA", "LILYS DRK CHC CRMLZD SLTD", "688", "$ 0.61", "$ 419.68", "0.0000", ""]),
    ("docling-project+docling/tests/data/odf/sources/odf_presentation_01.odp.pdf", 1,  # /Rotate 270 slide
     ["●R1", "●True", "●False", "", "●False", "●True", "●True"]),
])
def test_ruled_tables_on_turned_pages_are_tables(path, number, row):
    page, recall = _page(path, number)
    assert any(row in b.rows for b in page.blocks if b.kind == "table") and recall >= 0.95
    assert page.set_aside == []


def test_a_table_on_a_page_turned_against_its_text_is_not_transposed():
    """nics-background-checks-2015-11-rotated.pdf: /Rotate 90 with text along the stored page; the
    table finder read the displayed page, so its rows came out as columns (all states, then each
    column's figures). The grid found in the right direction puts five states in a cell and the notes
    in one cell, so it is not taken; the page reads row by row."""
    page, recall = _page("jsvine+pdfplumber/tests/pdfs/nics-background-checks-2015-11-rotated.pdf", 1)
    md = page.markdown
    assert md.index("Alabama") < md.index("18,870") < md.index("71,137") < md.index("Alaska") and recall >= 0.95


def test_a_ruled_header_over_unruled_rows_stays_text():
    """senate-expenditures.pdf: only the header is ruled, so the grid's one body "cell" held the page."""
    page, recall = _page("jsvine+pdfplumber/tests/pdfs/senate-expenditures.pdf", 1)
    assert not any(b.kind == "table" for b in page.blocks) and recall >= 0.95


def test_a_sideways_table_is_read():
    """Cause 2: MinerU demo1.pdf p5, a table set sideways on a portrait page."""
    page, recall = _page("opendatalab+MinerU/demo/pdfs/demo1.pdf", 5)
    assert "Table 1 Site characteristics for all catchments" in page.markdown and recall >= 0.9


def test_labels_and_accents_are_kept():
    """Cause 7: '(a)' stays '(a)'; TeX accents are put on their letters."""
    page, _ = _page("jsvine+pdfplumber/tests/pdfs/federal-register-2020-17221.pdf", 5)
    assert "Agência Nacional" in page.markdown and "Aviação Civil" in page.markdown  # was Ageˆncia, Aviac¸a˜o
    page, _ = _page("jsvine+pdfplumber/tests/pdfs/federal-register-2020-17221.pdf", 6)
    assert "- (a) **Comments Due Date**" in page.markdown


def test_an_overprinted_cjk_title_is_read_once():
    """pdfplumber issue-842-example.pdf: every line drawn four times a fraction of a point apart, the
    copies cut into different pieces; it came out two or three times over."""
    from docai.conservation import kept_words

    page, _ = _page("jsvine+pdfplumber/tests/pdfs/issue-842-example.pdf", 1)
    assert page.markdown.count("安徽安利合成革股份有限公司") == 1 and page.markdown.count("ANHUI ANLI") == 1
    assert "股票代码：300218" in page.markdown and "披露日期：2012 年3 月27 日" in page.markdown
    assert {s.reason for s in page.set_aside} == {"overprinted_duplicate"}
    with pymupdf.open(REALWORLD / "jsvine+pdfplumber/tests/pdfs/issue-842-example.pdf") as doc:
        assert coverage(page_layer(doc[0]), kept_words(page)).recall == 1.0
