"""Text that does not run left to right on the stored page: /Rotate pages, sideways and vertical
text, margin stamps and watermarks (issue 7, causes 1 and 2)."""

from __future__ import annotations

import pymupdf
import pytest

import docai
from docai.engines.textlayer.frames import Frame, direction_of, line_angle
from schemas.document import SetAsideReason

PARAGRAPH = ["The quarterly report shows", "steady growth in every", "region of the company."]


def _convert(doc: pymupdf.Document):
    data = doc.tobytes()
    doc.close()
    return docai.convert(data, engine="text", use_cache=False)


def _body(page: pymupdf.Page, x: float = 72, y: float = 100) -> None:
    for k, text in enumerate(["Introduction", *PARAGRAPH, "More body text follows here."] * 3):
        page.insert_text((x, y + 16 * k), text, fontsize=11)


def test_directions_and_frames():
    assert direction_of(line_angle((1.0, 0.0))) == 0
    assert direction_of(line_angle((0.0, -1.0))) == 90
    assert direction_of(line_angle((0.0, 1.0))) == 270
    assert direction_of(line_angle((0.7071, -0.7071))) == 44 or direction_of(line_angle((0.7071, -0.7071))) == 46
    page = pymupdf.open().new_page(width=595, height=842)
    frame = Frame.make(page, 90)
    assert (frame.width, frame.height) == pytest.approx((842, 595))
    box = (100.0, 200.0, 110.0, 300.0)
    assert frame.to_page(frame.to_frame(box)) == pytest.approx(box)


@pytest.mark.parametrize(("rotate", "text_rotate"), [(90, 90), (270, 270)])
def test_a_rotated_page_whose_text_reads_upright_keeps_its_text(rotate, text_rotate):
    """/Rotate 90 (scanned-landscape style) and /Rotate 270 (LibreOffice slides): every line used to
    count as vertical and was dropped."""
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.set_rotation(rotate)
    lines = ["Quarterly Report", *PARAGRAPH]
    for k, text in enumerate(lines):
        if text_rotate == 90:  # runs up the stored page: lines follow each other to the right
            page.insert_text((100 + 16 * k, 700), text, fontsize=11, rotate=90)
        else:  # runs down the stored page: lines follow each other to the left
            page.insert_text((495 - 16 * k, 142), text, fontsize=11, rotate=270)
    result = _convert(doc).pages[0]
    assert "The quarterly report shows steady growth in every region of the company." in result.markdown
    assert result.markdown.index("Quarterly Report") < result.markdown.index("steady growth")
    assert result.width == 842 and result.height == 595
    for block in result.blocks:  # boxes are those of the page as displayed: wide, not tall
        x0, y0, x1, y1 = block.bbox
        assert 0 <= x0 < x1 <= 842 and 0 <= y0 < y1 <= 595 and x1 - x0 > y1 - y0


def test_sideways_text_is_read_in_its_own_direction_and_a_margin_stamp_is_set_aside():
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    _body(page)
    for k, text in enumerate(["Table 1 Site characteristics", "for all catchments sampled", "in the survey area."]):
        page.insert_text((300 + 14 * k, 700), text, fontsize=10, rotate=90)  # a sideways caption
    page.insert_text((24, 600), "arXiv:2305.03393v1 [cs.CV] 5 May 2023", fontsize=12, rotate=90)
    result = _convert(doc).pages[0]
    assert "Table 1 Site characteristics for all catchments sampled in the survey area." in result.markdown
    assert "arXiv" not in result.markdown
    assert [(s.text, s.reason) for s in result.set_aside] == [
        ("arXiv:2305.03393v1 [cs.CV] 5 May 2023", SetAsideReason.margin_stamp)]
    x0, y0, x1, y1 = result.set_aside[0].bbox
    assert x1 < 72 and y1 - y0 > 100  # the stamp's box on the page: tall and in the left margin


def test_a_large_diagonal_watermark_is_set_aside_and_small_tilted_text_kept():
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    _body(page)
    page.insert_text((150, 600), "CONFIDENTIAL", fontsize=48, morph=(pymupdf.Point(150, 600), pymupdf.Matrix(-30)))
    page.insert_text((300, 720), "tilted label", fontsize=9, morph=(pymupdf.Point(300, 720), pymupdf.Matrix(-20)))
    result = _convert(doc).pages[0]
    assert "CONFIDENTIAL" not in result.markdown and "tilted label" in result.markdown
    assert [(s.text, s.reason) for s in result.set_aside] == [("CONFIDENTIAL", SetAsideReason.margin_stamp)]


def test_fake_bold_copy_is_recorded_as_overprinted():
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    _body(page)
    page.insert_text((72, 400), "Shadowed heading", fontsize=14)
    page.insert_text((72.4, 400.3), "Shadowed heading", fontsize=14)
    result = _convert(doc).pages[0]
    assert result.markdown.count("Shadowed heading") == 1
    assert [(s.text, s.reason) for s in result.set_aside] == [
        ("Shadowed heading", SetAsideReason.overprinted_duplicate)]


ROWS = [["Region", "Units", "Revenue"], ["North", "120", "4,300"], ["South", "95", "3,150"], ["East", "210", "7,020"]]


def _ruled_table(page: pymupdf.Page, frame: Frame, x: float, y: float, rotate: int) -> None:
    """:data:`ROWS` as a ruled grid drawn at (``x``, ``y``) in ``frame``: its text runs at ``rotate``
    degrees on the stored page."""
    to_page = ~frame.matrix
    xs = [x + 110 * i for i in range(len(ROWS[0]) + 1)]
    ys = [y + 20 * j for j in range(len(ROWS) + 1)]
    for yy in ys:
        page.draw_line(pymupdf.Point(xs[0], yy) * to_page, pymupdf.Point(xs[-1], yy) * to_page)
    for xx in xs:
        page.draw_line(pymupdf.Point(xx, ys[0]) * to_page, pymupdf.Point(xx, ys[-1]) * to_page)
    for j, row in enumerate(ROWS):
        for i, cell in enumerate(row):
            page.insert_text(pymupdf.Point(xs[i] + 4, ys[j] + 14) * to_page, cell, fontsize=10, rotate=rotate)


def _tables(result) -> list[list[list[str]]]:
    return [b.rows for b in result.blocks if b.kind == "table"]


@pytest.mark.parametrize(("rotate", "text_rotate"), [(90, 90), (270, 270), (90, 0)])
def test_a_ruled_table_on_a_turned_page_is_a_table(rotate, text_rotate):
    """/Rotate 90 and 270 pages whose text reads upright on screen, and a /Rotate 90 page whose text
    runs along the stored page (it reads sideways on screen): the table is found in the text's own
    direction, rows as rows (pymupdf's finder reads the displayed page and used to be skipped, or
    to transpose the table)."""
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.set_rotation(rotate)
    frame = Frame.make(page, text_rotate)
    to_page = ~frame.matrix
    for k, text in enumerate(["Quarterly Report", *PARAGRAPH]):
        page.insert_text(pymupdf.Point(72, 60 + 16 * k) * to_page, text, fontsize=11, rotate=text_rotate)
    _ruled_table(page, frame, 72, 160, text_rotate)
    result = _convert(doc).pages[0]
    assert _tables(result) == [ROWS]
    assert "steady growth in every" in result.markdown and "| North | 120 | 4,300 |" in result.markdown


def test_a_ruled_table_set_sideways_on_a_portrait_page_is_a_table():
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    _body(page)
    frame = Frame.make(page, 90)  # the table's text runs up the page
    _ruled_table(page, frame, 100, 420, 90)
    result = _convert(doc).pages[0]
    assert _tables(result) == [ROWS]
    assert "The quarterly report shows steady growth" in result.markdown


def test_overprinted_copies_cut_differently_are_read_once_and_set_aside():
    """pdfplumber issue-842: a CJK title drawn four times a fraction of a point apart, each copy cut
    into other pieces ("2011" three times, then "2011 年年度报告"), so no piece matched another whole
    and the title came out two or three times over."""
    from docai.conservation import coverage, kept_words, page_layer

    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    _body(page, y=300)
    second = 150 + pymupdf.get_text_length("2011 ", fontname="china-s", fontsize=26)
    for dx, dy in ((0, 0), (-0.3, 0.25), (0, 0.25)):
        page.insert_text((150 + dx, 250 + dy), "2011", fontsize=26, fontname="china-s")
        page.insert_text((second + dx, 250 + dy), "年年度报告", fontsize=26, fontname="china-s")
    page.insert_text((149.7, 250), "2011 年年度报告", fontsize=26, fontname="china-s")
    layer = page_layer(page)
    result = _convert(doc).pages[0]
    assert result.markdown.count("年度报告") == 1 and result.markdown.count("2011") == 1
    assert {s.reason for s in result.set_aside} == {SetAsideReason.overprinted_duplicate}
    assert coverage(layer, kept_words(result)).recall == 1.0
