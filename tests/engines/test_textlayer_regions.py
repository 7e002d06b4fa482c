"""Issue 7 causes 3 and 4: text printed over figures is kept, a scan under an OCR layer is read from
the layer, and lines of unmapped glyphs are read by OCR region by region, the rest of the layer kept."""

from __future__ import annotations

import io

import pymupdf
import pytest
from PIL import Image

import docai
from docai.engines.textlayer.page import read_page
from schemas.document import BlockKind, Route, SetAsideReason
from tests.support.pdfs import garbage_lines_pdf

GOOD = ["Ordinary readable sentences fill the page here.", "Every one of them has its own words.",
        "Nothing about this line is broken at all.", "The fourth one ends the short paragraph."]


def _png(size=(200, 150), colour=(40, 90, 160)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, format="PNG")
    return buf.getvalue()


def _pdf(build) -> bytes:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    build(page)
    data = doc.tobytes()
    doc.close()
    return data


def test_text_printed_over_a_picture_is_kept():
    def build(page):
        page.insert_text((72, 80), "A cover page", fontsize=20)
        page.insert_image(pymupdf.Rect(72, 120, 472, 420), stream=_png())
        for k, name in enumerate(["Jim Bainbridge", "Hernando Bedoya", "Rob Bestgen", "Mike Cain"]):
            page.insert_text((100, 160 + 30 * k), name, fontsize=12, color=(1, 1, 1))
        page.insert_text((72, 460), "Text below the picture.", fontsize=11)
    doc = docai.convert(_pdf(build), use_cache=False)
    markdown = doc.markdown
    for name in ["Jim Bainbridge", "Hernando Bedoya", "Rob Bestgen", "Mike Cain", "Text below the picture."]:
        assert name in markdown
    assert "<!-- image -->" in markdown
    assert markdown.index("A cover page") < markdown.index("Jim Bainbridge") < markdown.index("Text below")


def test_picture_under_an_invisible_ocr_layer_is_read_from_the_layer():
    lines = ["Minutes of the annual meeting", "The board approved the budget for next year",
             "Members asked about the new library hours", "The meeting closed at nine in the evening"]

    def build(page):
        page.insert_image(pymupdf.Rect(40, 60, 555, 560), stream=_png((400, 390), (235, 235, 225)))
        for k, text in enumerate(lines):
            page.insert_text((60, 100 + 22 * k), text, fontsize=12, render_mode=3)
    doc = docai.convert(_pdf(build), use_cache=False)
    page = doc.pages[0]
    assert page.route is Route.text
    assert "<!-- image -->" not in doc.markdown
    for text in lines:
        assert text in doc.markdown
    assert any("invisible OCR text layer" in r.reason for r in page.regions[1:])


def test_full_page_scan_with_a_good_ocr_layer_comes_out_as_text():
    def build(page):
        page.insert_image(page.rect, stream=_png((300, 420), (250, 250, 250)))
        page.insert_textbox(pymupdf.Rect(50, 50, 545, 800), " ".join(GOOD * 3), fontsize=11, render_mode=3)
    doc = docai.convert(_pdf(build), use_cache=False)
    assert doc.pages[0].route is Route.text
    assert doc.markdown.strip() != "<!-- image -->" and "Every one of them has its own words." in doc.markdown


@pytest.fixture(scope="module")
def cjk_font():
    try:
        pymupdf.Font("cjk")
    except Exception:  # noqa: BLE001
        pytest.skip("pymupdf has no built-in CJK font here")


def _garbage_page() -> bytes:
    good = [((72, 100 + 16 * k), text) for k, text in enumerate(GOOD)]
    return garbage_lines_pdf(good, [((72, 200), "Quarterly revenue grew by seven percent")])


def test_garbage_line_is_read_by_ocr_and_the_rest_kept(cjk_font):
    doc = docai.convert(_garbage_page(), use_cache=False)
    page = doc.pages[0]
    assert page.route is Route.text and "read by OCR" in page.route_reason
    for text in GOOD:
        assert text in doc.markdown
    assert "revenue grew by seven percent" in doc.markdown.lower()
    assert "\ue000" not in doc.markdown
    assert [r.route for r in page.regions] == [Route.text, Route.ocr]
    assert page.regions[1].bbox[1] < 200 < page.regions[1].bbox[3]
    assert [s.reason for s in page.set_aside] == [SetAsideReason.garbage_layer]


def test_garbage_region_whose_ocr_fails_is_set_aside_and_the_page_kept(cjk_font):
    def broken(page, boxes):
        raise RuntimeError("no models here")
    with pymupdf.open(stream=_garbage_page(), filetype="pdf") as pdf:
        out = read_page(pdf[0], broken)
    text = " ".join(b.text for b in out.blocks)
    assert all(line in text for line in GOOD) and "\ue000" not in text
    assert [r.route for r in out.regions] == [Route.failed] and "no models here" in out.regions[0].reason
    assert out.set_aside[0].reason is SetAsideReason.garbage_layer


def test_garbage_lines_in_a_script_the_ocr_cannot_read_are_not_sent_to_it():
    """A garbage line whose readable letters are Hangul (the bundled recogniser has none): OCR would
    read only its digits, so its region is failed, named, and its text set aside; a garbage line of
    symbols alone (a circled digit) still goes to OCR."""
    from docai.engines.textlayer.garbage import read_garbage
    from docai.layout.lines import TextLine

    hangul = TextLine(text="묾푷 차세대 비\ue357체(1A7)\ue342킹 방지읊", bbox=(80, 100, 300, 112), size=11)
    digit = TextLine(text="\x13\x14", bbox=(80, 300, 90, 312), size=11)
    asked: list = []

    def reader(page, boxes):
        asked.extend(boxes)
        return [TextLine(text="2", bbox=boxes[0])]

    page = pymupdf.open().new_page()
    lines, regions, set_aside = read_garbage(page, [hangul, digit], reader, lambda c: not "\uac00" <= c <= "\ud7a3")
    assert [x.text for x in lines] == ["2"] and len(asked) == 1 and asked[0][1] <= 300 < asked[0][3]
    assert [r.route for r in regions] == [Route.failed, Route.ocr] and "Hangul" in regions[0].reason
    assert [s.text for s in set_aside] == [hangul.text, digit.text]


def test_real_page_keeps_its_hangul_and_reads_only_garbage_regions(testdata):
    """docling skipped_1page.pdf p2: the correct Hangul labels stay; the garbage lines of Hangul are
    set aside (no OCR model here reads Hangul), the garbage circled digits go to OCR."""
    doc = docai.convert(testdata / "pdf" / "skipped_1page.pdf", pages="2", use_cache=False)
    page = doc.pages[0]
    assert page.route is Route.text
    for word in ["블록체인", "엣지컴퓨팅", "웨어러블 컨트롤", "초연결 네트워킹", "(4D Printing)"]:
        assert word in doc.markdown
    assert not any("\ue000" <= c <= "\uf8ff" or c == "\ufffd" for c in doc.markdown)
    assert {r.route for r in page.regions[1:]} == {Route.ocr, Route.failed, Route.text}  # text: a broken map, kept
    assert all("Hangul" in r.reason for r in page.regions[1:] if r.route is Route.failed)


@pytest.mark.parametrize(("name", "page", "words"), [
    ("redp5110_sampled.pdf", "1", ["Bainbridge", "Bedoya", "Milligan", "Leverage row permissions"]),
    ("amt_handbook_sample.pdf", "1", ["Boots aircraft nut", "Elastic anchor nut", "locks the nut firmly"]),
    ("normal_4pages.pdf", "1", ["세계보건기구(WHO)가 인정한", "개선방안을 제시하고자"]),
])
def test_real_text_over_figures_is_kept(testdata, name, page, words):
    doc = docai.convert(testdata / "pdf" / name, pages=page, use_cache=False)
    for word in words:
        assert word in doc.markdown
    assert any(b.kind is BlockKind.figure for b in doc.pages[0].blocks)


def _ruled_table(rows: list[list[str]], xs: list[float], y0: float = 100, h: float = 20) -> bytes:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((72, 80), "Results by region and year are listed in the table below.", fontsize=11)
    for r, row in enumerate(rows):
        page.draw_line((xs[0], y0 + r * h), (560, y0 + r * h))
        for c, text in enumerate(row):
            if text:
                page.insert_text((xs[c] + 4, y0 + r * h + 14), text, fontsize=10)
    bottom = y0 + len(rows) * h
    page.draw_line((xs[0], bottom), (560, bottom))
    for x in [*xs, 560]:
        page.draw_line((x, y0), (x, bottom))
    data = doc.tobytes()
    doc.close()
    return data


def test_two_row_table_header_is_kept_as_two_rows():
    rows = [["Region", "Revenue", "", "Staff", ""], ["", "2022", "2023", "2022", "2023"],
            ["North", "1,200", "1,350", "40", "42"], ["South", "980", "1,010", "35", "37"]]
    doc = docai.convert(_ruled_table(rows, [72, 200, 290, 380, 470]), use_cache=False)
    (table,) = [b for b in doc.pages[0].blocks if b.kind is BlockKind.table]
    assert table.rows == rows


def test_vector_diagram_is_not_a_table(testdata):
    """redp5110 p10: a syntax diagram of boxes and connectors; find_tables reads it as an 8-column grid
    with the words counted twice. It stays text, every label once."""
    doc = docai.convert(testdata / "pdf" / "redp5110_sampled.pdf", pages="10", use_cache=False)
    assert not any(b.kind is BlockKind.table for b in doc.pages[0].blocks)
    assert doc.markdown.count("Names the row permission for row access control") == 1
    assert "ENFORCED FOR ALL ACCESS" in doc.markdown


def test_hangul_mapped_to_rare_syllables_is_flagged_and_kept():
    """A broken font map that lands on real but rare syllables (docling skipped_1page.pdf p2:
    "컪비스 훟심" for "서비스 핵심") cannot be read better; it is kept and flagged in the regions,
    ordinary Korean is not."""
    def build(page):
        page.insert_text((72, 100), "스마트 데이터 서비스 핵심 컴퓨팅 보안 기술", fontsize=11, fontname="korea")
        page.insert_text((72, 200), "스마트 데이터 컪비스 훟심 컴퓨팅 보안 기술", fontsize=11, fontname="korea")
    page = docai.convert(_pdf(build), engine="text", use_cache=False).pages[0]
    assert "컪비스 훟심" in page.markdown and "서비스 핵심" in page.markdown
    flagged = [r for r in page.regions[1:] if "broken font map" in r.reason]
    assert len(flagged) == 1 and flagged[0].route is Route.text and flagged[0].bbox[1] < 200 < flagged[0].bbox[3]


@pytest.mark.parametrize(("name", "page", "flagged"), [("skipped_1page.pdf", "2", 1), ("normal_4pages.pdf", "1-4", 0)])
def test_real_misencoded_hangul_is_flagged(testdata, name, page, flagged):
    doc = docai.convert(testdata / "pdf" / name, pages=page, use_cache=False)
    assert sum("broken font map" in r.reason for p in doc.pages for r in p.regions) == flagged
