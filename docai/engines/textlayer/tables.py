"""Tables on born-digital pages: a cheap test for ruled tables, then pymupdf's ``find_tables``.

``page.find_tables()`` costs a few hundred milliseconds per page, so it only runs on pages whose
vector drawings hold at least three horizontal rules (or cell edges) of the same extent: the
ruling of a grid or booktabs table. Pages without such rules are never searched.

Tables are searched in a reading :class:`~docai.engines.textlayer.frames.Frame`: "horizontal" means
along the frame's lines, so a table on a turned page (``/Rotate 90``) or set sideways on a portrait
page is found like any other. pymupdf reads tables in the page as displayed, so for the search the
page is shown turned to the frame (:func:`displayed_as`) and put back afterwards.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import pymupdf

from docai.engines.textlayer.fragments import is_rtl
from docai.engines.textlayer.frames import Frame, union_box
from schemas.document import Block, BlockKind

BBox = tuple[float, float, float, float]

#: shortest rule that can be a table border, in points
MIN_RULE = 30.0
#: rules of one table share their left and right ends within this many points
ALIGN = 3.0
#: a page with more path items than this is a drawing, not a table page
MAX_ITEMS = 6000
#: a found table with fewer filled cells than this share is a diagram's boxes, not a table
MIN_FILLED = 0.25
#: ... and so is one whose cells hold the words inside it this many times over
MAX_REPEATED = 1.2
#: a "cell" holding more words than this is a stretch of the page between two rules (a ruled header
#: over unruled rows), not a cell
MAX_CELL_WORDS = 60


def horizontal_rules(drawings: Iterable[dict], frame: Frame | None = None) -> list[BBox]:
    """Horizontal segments (x0, y, x1, y) from ``page.get_cdrawings()``: lines, thin rectangles and
    the top and bottom edges of cell rectangles; horizontal in ``frame`` (coordinates too) if given."""
    turn = frame is not None and not frame.identity
    rules: list[BBox] = []
    for path in drawings:
        for item in path.get("items", ()):
            op = item[0]
            if op == "l":
                (ax, ay), (bx, by) = item[1], item[2]
                if turn:
                    (ax, ay), (bx, by) = pymupdf.Point(ax, ay) * frame.matrix, pymupdf.Point(bx, by) * frame.matrix
                if abs(ay - by) < 1.0 and abs(bx - ax) >= MIN_RULE:
                    rules.append((min(ax, bx), ay, max(ax, bx), ay))
            elif op == "re":
                x0, y0, x1, y1 = frame.to_frame(item[1]) if turn else item[1]
                if x1 - x0 < MIN_RULE:
                    continue
                rules.append((x0, y0, x1, y0))
                if y1 - y0 >= 3.0:
                    rules.append((x0, y1, x1, y1))
    return rules


def ruled_region(drawings: list[dict], frame: Frame | None = None, within: BBox | None = None) -> BBox | None:
    """The area covered by rules that look like a table's (in ``frame``; only rules that touch
    ``within``, if given), or ``None`` if the page has none."""
    if sum(len(p.get("items", ())) for p in drawings) > MAX_ITEMS:
        return None
    rules = horizontal_rules(drawings, frame)
    if within is not None:
        x0, y0, x1, y1 = within
        rules = [r for r in rules if r[0] <= x1 and x0 <= r[2] and y0 - 20 <= r[1] <= y1 + 20]
    if len(rules) < 3:
        return None
    spans = Counter((round(r[0] / ALIGN), round(r[2] / ALIGN)) for r in rules)
    tabular = {span for span, count in spans.items() if count >= 3}
    if not tabular:
        return None
    picked = [r for r in rules if (round(r[0] / ALIGN), round(r[2] / ALIGN)) in tabular]
    return union_box(picked)


@contextmanager
def displayed_as(page: pymupdf.Page, frame: Frame) -> Iterator[pymupdf.Page | None]:
    """The page shown turned so that its displayed coordinates are ``frame``'s (``/Rotate`` set to
    the frame's angle for the duration), as pymupdf's table finder reads it; ``None`` where it
    cannot be turned (not a PDF)."""
    rotation = page.rotation
    if rotation == frame.angle:
        yield page
        return
    if not page.parent.is_pdf:
        yield None
        return
    page.set_rotation(frame.angle)
    try:
        yield page.parent[page.number]
    finally:
        page.set_rotation(rotation)


def frame_words(page: pymupdf.Page, frame: Frame | None = None,
                textpage: pymupdf.TextPage | None = None) -> list[tuple]:
    """``page.get_text("words")`` with each box in ``frame`` coordinates."""
    words = page.get_text("words", flags=pymupdf.TEXT_MEDIABOX_CLIP, textpage=textpage)
    if frame is None or frame.identity:
        return words
    return [(*frame.to_frame(w[:4]), *w[4:]) for w in words]


def find_table_blocks(page: pymupdf.Page, region: BBox, textpage: pymupdf.TextPage | None = None,
                      frame: Frame | None = None) -> list[Block]:
    """Table blocks (with ``rows``; first row the header) found by pymupdf near ``region``; boxes
    in ``frame`` (default: the unrotated page)."""
    frame = frame or Frame.make(page, 0)
    x0, y0, x1, y1 = region
    blocks = []
    with displayed_as(page, frame) as shown:  # rows are read there: a table's header reads the page
        if shown is None:
            return []
        rect = shown.rect
        clip = pymupdf.Rect(max(rect.x0, x0 - 20), max(rect.y0, y0 - 40), min(rect.x1, x1 + 20), min(rect.y1, y1 + 20))
        # use_layout=False: pymupdf would otherwise run its layout model (when installed) on the page
        found = shown.find_tables(clip=clip, use_layout=False)
        tables = found.tables if found is not None else []
        words = frame_words(page, frame, textpage) if tables else []
        for table in tables:
            rows = table_rows(table, words)
            if len(rows) >= 2 and max(len(r) for r in rows) >= 2 and is_plausible_grid(rows, _words_in(words, table.bbox)):
                blocks.append(Block(kind=BlockKind.table, rows=rows, bbox=tuple(table.bbox)))
    return blocks


def is_plausible_grid(rows: list[list[str]], words: list[tuple]) -> bool:
    """A table, not a diagram's boxes and arrows read as cells: most cells hold text, and no word is
    counted in two cells (overlapping cells, or a header row that repeats the whole diagram); and
    no cell holds a whole stretch of the page (:data:`MAX_CELL_WORDS`)."""
    cells = [c for r in rows for c in r]
    filled = sum(1 for c in cells if c.strip())
    if filled < MIN_FILLED * len(cells) or max(len(c.split()) for c in cells) > MAX_CELL_WORDS:
        return False
    in_cells = sum(len(c.split()) for c in cells)
    return in_cells <= MAX_REPEATED * max(1, len(words))


def _words_in(words: list[tuple], box: BBox) -> list[tuple]:
    x0, y0, x1, y1 = box
    return [w for w in words if x0 <= (w[0] + w[2]) / 2 <= x1 and y0 <= (w[1] + w[3]) / 2 <= y1]


def table_rows(table, words: list[tuple]) -> list[list[str]]:
    """Cell texts of a pymupdf table, header first; empty rows and columns are dropped.

    Each cell gets the words whose centre lies in its rectangle (``Table.extract()`` can scatter
    the characters of a number such as ``0.965``); a cell merged into its neighbour is left empty.
    """
    rows = []
    header = getattr(table, "header", None)
    if header is not None and getattr(header, "external", False):
        rows.append([" ".join((name or "").split()) for name in header.names])
    for row in table.rows:
        rows.append([_cell_text(cell, words) if cell else "" for cell in row.cells])
    rows = [r for r in rows if any(r)]
    if not rows:
        return []
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    keep = [c for c in range(width) if any(r[c] for r in rows)]
    return [[r[c] for c in keep] for r in rows]


def _cell_text(cell: BBox, words: list[tuple]) -> str:
    """The words inside ``cell``, line by line; right to left in Hebrew or Arabic text."""
    x0, y0, x1, y1 = cell
    inside = [w for w in words if x0 <= (w[0] + w[2]) / 2 <= x1 and y0 <= (w[1] + w[3]) / 2 <= y1]
    rtl = is_rtl("".join(w[4] for w in inside))
    inside.sort(key=lambda w: (round(w[3]), -w[0] if rtl else w[0]))  # top to bottom, then along the line
    return " ".join(w[4] for w in inside)


def has_cell_rows(region: BBox, boxes: Iterable[BBox], min_rows: int = 2) -> bool:
    """At least ``min_rows`` rows inside ``region`` that hold two or more separate pieces of text
    (cells); a framed note or a shaded code sample has one piece per row."""
    x0, y0, x1, y1 = region
    inside = sorted((b for b in boxes if x0 - 2 <= b[0] and b[2] <= x1 + 2 and y0 - 2 <= b[1] and b[3] <= y1 + 2),
                    key=lambda b: b[1])
    rows, count, row_bottom = 0, 0, None
    for box in inside:
        if row_bottom is not None and box[1] < row_bottom - 0.5 * (box[3] - box[1]):
            count += 1
            row_bottom = max(row_bottom, box[3])
            continue
        rows += count >= 2
        count, row_bottom = 1, box[3]
    rows += count >= 2
    return rows >= min_rows


def page_tables(page: pymupdf.Page, drawings: list[dict], text_boxes: list[BBox],
                textpage: pymupdf.TextPage | None = None, frame: Frame | None = None,
                within: BBox | None = None) -> list[Block]:
    """Tables of the page read in ``frame`` (``text_boxes`` and the result in its coordinates; only
    near ``within`` if given), searched only where the drawings look like table rules around cells
    of text."""
    if frame is not None and frame.angle % 90:
        return []
    region = ruled_region(drawings, frame, within)
    if region is None or not has_cell_rows(region, text_boxes):
        return []
    return find_table_blocks(page, region, textpage, frame)
