"""Reading order on built pages (issue 7): two columns with a full-width title and a figure between
the column sections, footnotes under the columns, and the lines of one table cell."""

from __future__ import annotations

import io

import pymupdf
from PIL import Image

import docai

WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima", "mike", "november"]


def _column(page: pymupdf.Page, x: float, y: float, tag: str, lines: int = 6) -> None:
    for k in range(lines):
        text = " ".join(WORDS[(3 * k + 5 * i) % len(WORDS)] for i in range(5)) + f" {tag}{k}"
        page.insert_text((x, y + 13 * k), text, fontsize=10)


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (300, 80), (90, 140, 200)).save(buf, format="PNG")
    return buf.getvalue()


def _order(markdown: str, tags: list[str]) -> list[int]:
    return [markdown.index(tag) for tag in tags]


def test_columns_title_and_figure_between_sections():
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((72, 70), "A Title Across Both Columns", fontsize=20)
    _column(page, 72, 110, "LA")
    _column(page, 320, 110, "RA")
    page.insert_image(pymupdf.Rect(72, 210, 523, 330), stream=_png())
    page.insert_text((72, 345), "Figure 1: A figure across both columns.", fontsize=9)
    _column(page, 72, 380, "LB")
    _column(page, 320, 380, "RB")
    md = docai.convert(doc.tobytes(), use_cache=False).markdown
    tags = ["A Title Across", "LA0", "LA5", "RA0", "RA5", "<!-- image -->", "Figure 1:",
            "LB0", "LB5", "RB0", "RB5"]
    positions = _order(md, tags)
    assert positions == sorted(positions), md


def test_footnotes_under_two_columns_come_last():
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    _column(page, 72, 100, "LC", lines=30)
    _column(page, 320, 100, "RC", lines=30)
    page.draw_line((72, 520), (200, 520))
    page.insert_text((72, 535), "1 A footnote that spans the width of the page under both columns of text.", fontsize=8)
    md = docai.convert(doc.tobytes(), use_cache=False).markdown
    positions = _order(md, ["LC0", "LC29", "RC0", "RC29", "A footnote"])
    assert positions == sorted(positions), md


def test_lines_of_one_table_cell_stay_in_order():
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    xs, y0, h = [72, 250, 420], 100, 40
    rows = [["Item", "Description", "Price"], ["Lamp", "first line of the cell|second line of it", "12"],
            ["Desk", "oak top|steel legs", "240"], ["Chair", "one line", "80"]]
    for r, row in enumerate(rows):
        page.draw_line((72, y0 + r * h), (560, y0 + r * h))
        for c, text in enumerate(row):
            for k, part in enumerate(text.split("|")):
                page.insert_text((xs[c] + 4, y0 + r * h + 14 + 12 * k), part, fontsize=10)
    page.draw_line((72, y0 + len(rows) * h), (560, y0 + len(rows) * h))
    for x in [*xs, 560]:
        page.draw_line((x, y0), (x, y0 + len(rows) * h))
    result = docai.convert(doc.tobytes(), use_cache=False)
    (table,) = [b for b in result.pages[0].blocks if b.kind.value == "table"]
    assert table.rows[1] == ["Lamp", "first line of the cell second line of it", "12"]
    assert table.rows[2][1] == "oak top steel legs"


def _line(k: int, n: int = 9) -> str:
    return " ".join(WORDS[(3 * k + 5 * i) % len(WORDS)] for i in range(n))


def test_sidebar_and_cards_are_each_read_whole():
    """A main column with a shaded sidebar beside it, then a 2×2 grid of shaded cards: the text on
    the filled shapes is kept, the sidebar is read after the column, each card title before its text."""
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((72, 70), "Main Article Heading", fontsize=18)
    for k in range(25):
        page.insert_text((72, 100 + 13 * k), _line(k) + f" M{k}", fontsize=10)
    page.draw_rect(pymupdf.Rect(410, 95, 545, 300), color=None, fill=(0.9, 0.9, 0.8))
    page.insert_text((418, 112), "Sidebar", fontsize=12)
    for k in range(8):
        page.insert_text((418, 130 + 13 * k), _line(k, 3) + f" S{k}", fontsize=9)
    for r in range(2):
        for c in range(2):
            x, y = 72 + c * 250, 460 + r * 120
            page.draw_rect(pymupdf.Rect(x, y, x + 220, y + 100), color=None, fill=(0.85, 0.9, 0.95))
            page.insert_text((x + 8, y + 20), f"Card {r}{c} title", fontsize=12)
            for k in range(3):
                page.insert_text((x + 8, y + 40 + 13 * k), _line(k + r + c, 5) + f" C{r}{c}{k}", fontsize=9)
    md = docai.convert(doc.tobytes(), use_cache=False).markdown
    tags = ["Main Article", "M0", "M24", "Sidebar", "S0", "S7"]
    tags += [t for r in range(2) for c in range(2) for t in (f"Card {r}{c} title", f"C{r}{c}0", f"C{r}{c}2")]
    positions = _order(md, tags)
    assert positions == sorted(positions), md


def test_figure_and_table_inside_one_column_are_read_in_that_column():
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    for k in range(8):
        page.insert_text((72, 100 + 13 * k), _line(k, 5) + f" LD{k}", fontsize=10)
    page.insert_image(pymupdf.Rect(72, 210, 280, 300), stream=_png())
    page.insert_text((72, 315), "Figure 2: A figure in the left column.", fontsize=9)
    for k in range(8):
        page.insert_text((72, 340 + 13 * k), _line(k + 3, 5) + f" LE{k}", fontsize=10)
    for k in range(24):
        page.insert_text((320, 100 + 13 * k), _line(k + 5, 5) + f" RD{k}", fontsize=10)
    md = docai.convert(doc.tobytes(), use_cache=False).markdown
    positions = _order(md, ["LD0", "LD7", "<!-- image -->", "Figure 2:", "LE0", "LE7", "RD0", "RD23"])
    assert positions == sorted(positions), md
