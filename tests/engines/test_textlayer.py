"""The text-layer engine on PDFs generated with pymupdf: columns, tables, furniture, hyphenation,
lists, inline styles, links, figures and captions. Assertions are on the markdown and the blocks."""

from __future__ import annotations

import pymupdf
import pytest

import docai
from docai.engines.textlayer import VERSION
from schemas.document import BlockKind

W, H = 595, 842
LOREM = ("Reading order matters for every converter because readers expect the left column to be read "
         "before the right column and the paragraphs to stay whole across line breaks.")


def _convert(doc: pymupdf.Document) -> docai.Document:
    data = doc.tobytes()
    doc.close()
    return docai.convert(data, engine="text", use_cache=False)


def _blocks(result, kind):
    return [b for p in result.pages for b in p.blocks if b.kind is kind]


@pytest.fixture(scope="module")
def two_columns() -> docai.Document:
    doc = pymupdf.open()
    page = doc.new_page(width=W, height=H)
    page.insert_text((72, 80), "A Study of Two Columns", fontsize=20, fontname="hebo")
    page.insert_textbox(pymupdf.Rect(72, 110, 290, 400), "LEFTSTART " + LOREM + " LEFTEND", fontsize=10)
    page.insert_textbox(pymupdf.Rect(305, 110, 523, 400), "RIGHTSTART " + LOREM + " RIGHTEND", fontsize=10)
    page.insert_text((72, 430), "Results Across the Page", fontsize=14, fontname="hebo")
    page.insert_textbox(pymupdf.Rect(72, 445, 290, 700), "LOWERLEFT " + LOREM, fontsize=10)
    page.insert_textbox(pymupdf.Rect(305, 445, 523, 700), "LOWERRIGHT " + LOREM, fontsize=10)
    return _convert(doc)


def test_two_columns_read_left_then_right_with_full_width_headings(two_columns):
    md = two_columns.markdown
    order = [md.index(word) for word in ("A Study of Two Columns", "LEFTSTART", "LEFTEND", "RIGHTSTART",
                                        "RIGHTEND", "Results Across the Page", "LOWERLEFT", "LOWERRIGHT")]
    assert order == sorted(order)


def test_column_paragraph_is_one_block_with_headings_levelled(two_columns):
    paragraphs = [b.text for b in _blocks(two_columns, BlockKind.paragraph)]
    assert any(t.startswith("LEFTSTART") and t.endswith("LEFTEND") for t in paragraphs)
    headings = {b.text: b.level for b in _blocks(two_columns, BlockKind.heading)}
    assert headings == {"A Study of Two Columns": 1, "Results Across the Page": 2}
    assert "# A Study of Two Columns\n" in two_columns.markdown
    assert "## Results Across the Page\n" in two_columns.markdown


def _table_page(page: pymupdf.Page, top: float) -> None:
    rows = [["Name", "Count", "Price"], ["apple", "3", "1.25"], ["pear", "12", "0.80"], ["plum", "7", "2.10"]]
    xs, row_h = [72, 200, 300, 400], 20
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            page.insert_text((xs[c] + 4, top + r * row_h + 14), cell, fontsize=10)
    for r in range(len(rows) + 1):
        page.draw_line((xs[0], top + r * row_h), (xs[-1], top + r * row_h))
    for x in xs:
        page.draw_line((x, top), (x, top + len(rows) * row_h))


@pytest.fixture(scope="module")
def furnished() -> docai.Document:
    """Four pages with a running header and footer, page numbers, a table, lists, styles, a link,
    a hyphenated paragraph and a figure with its caption."""
    doc = pymupdf.open()
    for n in range(1, 5):
        page = doc.new_page(width=W, height=H)
        page.insert_text((72, 40), "ACME Quarterly Report 2024", fontsize=9)
        page.insert_text((72, 815), f"Confidential draft {n}", fontsize=9)
        page.insert_text((500, 815), str(n), fontsize=9)
        page.insert_text((72, 100), f"Section {n} body", fontsize=11)
    first = doc[0]
    y = 130
    for line in ["The system keeps all infor-", "mation about state-of-the-", "art methods in one place."]:
        first.insert_text((72, y), line, fontsize=11)
        y += 14
    y += 20
    for line in ["• first bullet point", "• second bullet point", "1. numbered one", "2. numbered two"]:
        first.insert_text((72, y), line, fontsize=11)
        y += 14
    first.insert_text((90, y), "a) nested letter item", fontsize=11)
    y += 30
    first.insert_htmlbox(pymupdf.Rect(72, y, 500, y + 40),
                         '<p style="font-size:11px">Plain <b>bold words</b> and <i>slanted</i> text.</p>')
    y += 60
    first.insert_text((72, y), "Visit the project site now.", fontsize=11)
    first.insert_link({"kind": pymupdf.LINK_URI, "from": pymupdf.Rect(72, y - 11, 230, y + 3),
                       "uri": "https://example.org/docai"})
    _table_page(doc[1], 150)
    doc[1].insert_text((72, 300), "After the table comes prose.", fontsize=11)
    pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 64, 48), False)
    pix.set_rect(pix.irect, (200, 30, 30))
    doc[2].insert_image(pymupdf.Rect(100, 150, 400, 375), pixmap=pix)
    doc[2].insert_text((100, 395), "Figure 3: A red square stands for the figure.", fontsize=9)
    return _convert(doc)


def test_running_header_footer_and_page_numbers_are_furniture(furnished):
    md = furnished.markdown
    assert "ACME Quarterly" not in md and "Confidential draft" not in md
    headers = _blocks(furnished, BlockKind.header)
    footers = _blocks(furnished, BlockKind.footer)
    assert len(headers) == 4
    assert {b.text for b in footers} >= {"1", "2", "3", "4"}
    assert "Section 1 body" in md


def test_dehyphenation_keeps_real_hyphens(furnished):
    assert "The system keeps all information about state-of-the-art methods in one place." in furnished.markdown


def test_bulleted_and_numbered_lists(furnished):
    items = [(b.text, b.ordered, b.level) for b in _blocks(furnished, BlockKind.list)]
    assert items == [("first bullet point", False, 0), ("second bullet point", False, 0),
                     ("numbered one", True, 0), ("numbered two", True, 0), ("nested letter item", True, 1)]
    assert "- first bullet point\n- second bullet point\n1. numbered one\n2. numbered two" in furnished.markdown


def test_bold_italic_and_links(furnished):
    md = furnished.markdown
    assert "Plain **bold words** and *slanted* text." in md
    assert "[Visit the project site now.](https://example.org/docai)" in md


def test_table_is_a_markdown_table_and_not_prose(furnished):
    (table,) = _blocks(furnished, BlockKind.table)
    assert table.rows == [["Name", "Count", "Price"], ["apple", "3", "1.25"], ["pear", "12", "0.80"],
                          ["plum", "7", "2.10"]]
    page2 = furnished.pages[1].markdown
    assert "| Name | Count | Price |\n|---|---|---|\n| apple | 3 | 1.25 |" in page2
    assert page2.count("apple") == 1
    assert page2.index("| Name") < page2.index("After the table comes prose.")


def test_figure_placeholder_with_caption(furnished):
    page3 = furnished.pages[2]
    kinds = [b.kind for b in page3.blocks if b.kind not in (BlockKind.header, BlockKind.footer)]
    assert kinds[-2:] == [BlockKind.figure, BlockKind.caption]
    assert "<!-- image -->\n\n*Figure 3: A red square stands for the figure.*" in page3.markdown


def test_borderless_table_from_aligned_columns_and_prose_is_not_a_table():
    doc = pymupdf.open()
    page = doc.new_page(width=W, height=H)
    page.insert_textbox(pymupdf.Rect(72, 60, 500, 140), LOREM + " " + LOREM, fontsize=10)
    for r, row in enumerate([["Depot", "Vehicles", "Score"], ["North", "42", "9.1"], ["South", "37", "8.4"]]):
        for c, cell in enumerate(row):
            page.insert_text((72 + 100 * c, 170 + 16 * r), cell, fontsize=10)
    result = _convert(doc)
    (table,) = _blocks(result, BlockKind.table)
    assert table.rows == [["Depot", "Vehicles", "Score"], ["North", "42", "9.1"], ["South", "37", "8.4"]]
    assert len(_blocks(result, BlockKind.paragraph)) == 1


def test_monospaced_lines_become_code_with_highlighted_keywords():
    doc = pymupdf.open()
    page = doc.new_page(width=W, height=H)
    page.insert_text((72, 100), "Run this:", fontsize=11)
    page.insert_text((72, 130), "function", fontsize=10, fontname="cobo")  # a bold keyword
    page.insert_text((72 + 9 * 6, 130), "add() {", fontsize=10, fontname="cour")
    page.insert_text((96, 142), "return 42;", fontsize=10, fontname="cour")
    page.insert_text((72, 154), "}", fontsize=10, fontname="cour")
    result = _convert(doc)
    (code,) = _blocks(result, BlockKind.code)
    assert code.text == "function add() {\n    return 42;\n}"
    assert "```\nfunction add() {\n    return 42;\n}\n```" in result.markdown


def test_engine_version_recorded_and_blank_page_is_empty():
    doc = pymupdf.open()
    doc.new_page(width=W, height=H)
    result = _convert(doc)
    assert result.pages[0].engine_version == VERSION
    assert result.pages[0].blocks == [] and result.pages[0].errors == []


def test_caption_label_set_apart_from_its_number_stays_one_caption():
    """LaTeX sets "Table  1.  HPO ..." as three pieces with wide gaps; they are one caption line."""
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 200), "Table", fontsize=9, fontname="hebo")
    page.insert_text((104, 200), "1.", fontsize=9, fontname="hebo")
    page.insert_text((125, 200), "HPO performed in OTSL and HTML representation on the same model.", fontsize=9)
    page.insert_text((72, 260), "A body paragraph that follows the caption of the table above.", fontsize=10)
    blocks = _convert(doc).pages[0].blocks
    assert blocks[0].kind is BlockKind.caption
    assert "Table" in blocks[0].text and "1." in blocks[0].text and "HPO performed" in blocks[0].text
    assert not any(b.kind in (BlockKind.heading, BlockKind.list) for b in blocks)
