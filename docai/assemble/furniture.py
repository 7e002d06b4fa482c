"""Running headers, footers and page numbers (kind header/footer): the markdown renderer leaves them
out (unless ``keep_furniture``), the JSON keeps them and each is listed in its page's ``set_aside``.

A block in the top or bottom band of a page (see :func:`bands`) is furniture when

- the same text (numbers aside) stands in the same band, at the same place, on several pages, and
  its numbers either stay the same or count up with the pages (a folio, a date line; amounts that
  differ from page to page are content, as on a run of invoices);
- it is the page's only page number in that band (``12``, ``Page 3``, ``xii``, ``7-45``): two or more
  numbers in a band are axis ticks or table cells; a short line on the same row as that page number
  (the running title beside it) is furniture too;
- on any single page, it reads like furniture (:mod:`docai.assemble.folios`): a journal line, a
  download or publisher notice, DOI/ISSN/volume lines, a copyright line, a printer's slug, or a
  folio beside a running title set no larger than the body text.

A table row is never furniture, found as a table or not: a row of three or more short blocks that
lines up, column for column, with a row just above or below it (:func:`table_cells`) is content,
whatever its cells read like (a quantity in the top band is not a page number).
"""

from __future__ import annotations

from collections import defaultdict

from docai.assemble.folios import (
    is_folio_and_title,
    is_furniture_line,
    is_page_number,
    normalise,
    numbers,
)
from docai.assemble.headings import document_body_size
from schemas.document import Block, BlockKind, Page, SetAside, SetAsideReason

__all__ = ["bands", "is_page_number", "mark_furniture", "normalise", "set_aside"]

#: the top and bottom bands, as a share of the page height
BAND = 0.1
#: ... widened up to this share where the page's margins are wide
WIDEST = 0.15
#: furniture is short
MAX_CHARS = 200
#: a running title beside a folio is at most this long
MAX_TITLE = 120
#: repeated text is at the same place when an edge or the centre matches within this many points
SAME_PLACE = 12.0
#: a table row has at least this many cells lined up with the next row's
TABLE_COLUMNS = 3

Candidate = tuple[Page, Block, str, str]  # page, block, band, normalised text
_TEXT_KINDS = (BlockKind.paragraph, BlockKind.heading, BlockKind.list, BlockKind.caption)


def bands(page: Page) -> tuple[float, float]:
    """The lower edge of the top band and the upper edge of the bottom band: 10 % of the page
    height, or half that measured from the content's edge where margins are wide (at most 15 %)."""
    boxes = [b.bbox for b in page.blocks if b.bbox is not None]
    top, bottom = page.height * BAND, page.height * (1 - BAND)
    if boxes:
        wide_top = min(min(b[1] for b in boxes) + page.height * BAND / 2, page.height * WIDEST)
        wide_bottom = max(max(b[3] for b in boxes) - page.height * BAND / 2, page.height * (1 - WIDEST))
        if any(b[3] > wide_top for b in boxes):  # widen only where body content lies below the band
            top = max(top, wide_top)
        if any(b[1] < wide_bottom for b in boxes):
            bottom = min(bottom, wide_bottom)
    return top, bottom


def band_of(block: Block, page: Page, edges: tuple[float, float]) -> str | None:
    """``"top"`` or ``"bottom"`` when the block lies wholly in that band of the page."""
    if block.bbox is None or not page.height or len(block.text) > MAX_CHARS:
        return None
    if block.kind not in _TEXT_KINDS:
        return None
    if block.bbox[3] <= edges[0]:
        return "top"
    if block.bbox[1] >= edges[1]:
        return "bottom"
    return None


def min_repeats(n_pages: int) -> int:
    """On how many pages a text must repeat to be running furniture."""
    return 2 if n_pages <= 4 else 3


def mark_furniture(pages: list[Page]) -> None:
    """Mark running headers/footers and page numbers (in place) and record each in ``set_aside``."""
    candidates: list[Candidate] = []
    for page in pages:
        edges = bands(page)
        cells = table_cells(page)
        candidates += [(page, b, band, normalise(b.text)) for b in page.blocks
                       if id(b) not in cells and (band := band_of(b, page, edges)) is not None]
        lowest = _lone_number_below_content(page)
        if lowest is not None and id(lowest) not in cells and all(lowest is not c[1] for c in candidates):
            candidates.append((page, lowest, "bottom", normalise(lowest.text)))
    body = document_body_size(pages)
    repeated = _repeated(candidates, min_repeats(len(pages)))
    folios = _lone_folios(candidates)
    beside = _beside_folios(candidates, folios)
    for page, block, band, _key in candidates:
        if (id(block) in repeated or id(block) in folios or id(block) in beside
                or _reads_like_furniture(page, block, band, body)):
            block.kind = BlockKind.header if band == "top" else BlockKind.footer
            block.level = None
            block.ordered = None
            set_aside(page, block)


def table_cells(page: Page) -> set[int]:
    """Ids of the page's blocks that are cells of a table row not found as a table: rows of
    :data:`TABLE_COLUMNS` or more one-line blocks, each row close to the next and sharing that many
    columns (overlapping left to right) with it."""
    short = [b for b in page.blocks if b.bbox is not None and b.kind in _TEXT_KINDS
             and b.bbox[3] - b.bbox[1] <= 2 * (b.font_size or 12.0)]
    rows: list[list[Block]] = []
    for block in sorted(short, key=lambda b: b.bbox[1]):
        centre = (block.bbox[1] + block.bbox[3]) / 2
        row = rows[-1] if rows else None
        if row is not None and min(b.bbox[1] for b in row) <= centre <= max(b.bbox[3] for b in row):
            row.append(block)
        else:
            rows.append([block])
    found: set[int] = set()
    for upper, lower in zip(rows, rows[1:], strict=False):
        height = max(b.bbox[3] - b.bbox[1] for b in upper)
        gap = min(b.bbox[1] for b in lower) - max(b.bbox[3] for b in upper)
        if len(upper) < TABLE_COLUMNS or len(lower) < TABLE_COLUMNS or gap > 1.5 * height:
            continue
        shared = [a for a in upper if any(a.bbox[0] < b.bbox[2] and b.bbox[0] < a.bbox[2] for b in lower)]
        if len(shared) >= TABLE_COLUMNS:
            found.update(id(b) for b in upper + lower)
    return found


def _repeated(candidates: list[Candidate], need: int) -> set[int]:
    """Blocks whose text repeats in the same band and place on ``need`` pages, numbers constant or
    counting up with the pages. Bare numbers are left to :func:`_lone_folios`."""
    groups: dict[tuple[str, str], list[Candidate]] = defaultdict(list)
    for c in candidates:
        if c[3] and not is_page_number(c[1].text):
            groups[(c[2], c[3])].append(c)
    found: set[int] = set()
    for group in groups.values():
        for c in group:
            same = [o for o in group if _same_place(o[1], c[1], c[0].width)]
            if len({o[0].number for o in same}) >= need and _numbers_run_with_pages(same):
                found.add(id(c[1]))
    return found


def _same_place(a: Block, b: Block, width: float) -> bool:
    """An edge or the centre in the same place, or mirrored (left and right pages of a book)."""
    (ax0, _, ax1, _), (bx0, _, bx1, _) = a.bbox, b.bbox
    mirrored = abs(ax0 - (width - bx1)) <= SAME_PLACE or abs(ax1 - (width - bx0)) <= SAME_PLACE
    return (mirrored or abs(ax0 - bx0) <= SAME_PLACE or abs(ax1 - bx1) <= SAME_PLACE
            or abs((ax0 + ax1) - (bx0 + bx1)) <= 2 * SAME_PLACE)


def _numbers_run_with_pages(group: list[Candidate]) -> bool:
    """Each number position holds the same number on every page, or whole numbers that grow with the page."""
    ordered = sorted(group, key=lambda c: c[0].number)
    columns = list(zip(*(numbers(c[1].text) for c in ordered), strict=False))
    for column in columns:
        if len(set(column)) == 1:
            continue
        if not all(n.isdigit() for n in column):
            return False  # amounts, decimals: content that differs from page to page
        values = [int(n) for n in column]
        if any(b <= a for a, b in zip(values, values[1:], strict=False)):
            return False
    return True


def _lone_folios(candidates: list[Candidate]) -> set[int]:
    """Page numbers that are the only number-only block in their band of their page, or the two folios
    of a two-page spread (one at each outer edge); more numbers in a band are ticks or cells."""
    per_band: dict[tuple[int, str], list[tuple[Page, Block]]] = defaultdict(list)
    for page, block, band, _key in candidates:
        if is_page_number(block.text):
            per_band[(page.number, band)].append((page, block))
    found: set[int] = set()
    for found_in_band in per_band.values():
        if len(found_in_band) == 1 or _spread(found_in_band):
            found.update(id(block) for _page, block in found_in_band)
    return found


def _beside_folios(candidates: list[Candidate], folios: set[int]) -> set[int]:
    """Short lines on the same row as a page's folio, in its band: the running title beside the page
    number (an LNCS paper's odd page, a report's footer line)."""
    rows = [(page.number, band, block.bbox) for page, block, band, _key in candidates if id(block) in folios]
    found: set[int] = set()
    for page, block, band, _key in candidates:
        if id(block) in folios or block.kind is not BlockKind.paragraph or len(block.text) > MAX_TITLE:
            continue
        for number, folio_band, box in rows:
            overlap = min(box[3], block.bbox[3]) - max(box[1], block.bbox[1])
            if number == page.number and folio_band == band and overlap >= 0.5 * (box[3] - box[1]):
                found.add(id(block))
    return found


def _spread(numbers_in_band: list[tuple[Page, Block]]) -> bool:
    if len(numbers_in_band) != 2:
        return False
    (page, a), (_, b) = sorted(numbers_in_band, key=lambda pb: pb[1].bbox[0])
    edge = page.width * 0.15
    return a.bbox[0] <= edge and b.bbox[2] >= page.width - edge


def _reads_like_furniture(page: Page, block: Block, band: str, body: float) -> bool:
    """Furniture on its own page: a journal/download/DOI/copyright line, or a folio beside a running
    title: the topmost line of the page, no larger than the body text."""
    if is_furniture_line(block.text):
        return True
    if band != "top" or block.kind is not BlockKind.paragraph or not is_folio_and_title(block.text):
        return False
    one_line = bool(block.font_size and block.bbox[3] - block.bbox[1] < 2 * block.font_size)
    small = bool(body and block.font_size and block.font_size <= body * 1.02)
    topmost = not any(b.bbox is not None and b.bbox[3] <= block.bbox[1] for b in page.blocks)
    return one_line and small and topmost


def set_aside(page: Page, block: Block) -> None:
    """Record a header or footer block in the page's ``set_aside`` (once, however often this runs)."""
    if is_page_number(block.text):
        reason = SetAsideReason.page_number
    elif block.kind is BlockKind.header:
        reason = SetAsideReason.running_header
    else:
        reason = SetAsideReason.running_footer
    entry = SetAside(text=block.text, reason=reason, bbox=block.bbox)
    if entry not in page.set_aside:
        page.set_aside.append(entry)


def _lone_number_below_content(page: Page) -> Block | None:
    """A page number set below everything else on the page, above the bottom band (wide margins)."""
    boxed = [b for b in page.blocks if b.bbox is not None]
    if len(boxed) < 2:
        return None
    last = max(boxed, key=lambda b: b.bbox[3])
    if last.kind is not BlockKind.paragraph or not is_page_number(last.text):
        return None
    above = max(b.bbox[3] for b in boxed if b is not last)
    height = last.bbox[3] - last.bbox[1]
    return last if last.bbox[1] - above >= 1.5 * height and last.bbox[1] > page.height / 2 else None
