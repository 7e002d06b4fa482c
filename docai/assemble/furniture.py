"""Running headers, footers and page numbers: text in the top or bottom band of a page (see
:func:`bands`) that repeats
across pages (digits normalised), or a lone page number, becomes kind header/footer. The markdown
renderer leaves those out; the JSON keeps them."""

from __future__ import annotations

import re
from collections import defaultdict

from schemas.document import Block, BlockKind, Page, SetAside, SetAsideReason

#: the top and bottom bands, as a share of the page height
BAND = 0.1
#: ... widened up to this share where the page's margins are wide
WIDEST = 0.15
#: furniture is short
MAX_CHARS = 200
_PAGE_NUMBER = re.compile(
    r"^(page\s*)?(\d{1,4}|[ivxlcdm]{1,7})(\s*(of|/)\s*\d{1,4})?$|^[-–—]\s*\d{1,4}\s*[-–—]$", re.IGNORECASE
)
_MARKUP = re.compile(r"[*_`#\[\]()|]")


def normalise(text: str) -> str:
    """Text compared across pages: lower case, markup and spacing dropped, every number as ``#``."""
    text = _MARKUP.sub(" ", text.lower())
    return " ".join(re.sub(r"\d+", "#", text).split())


def is_page_number(text: str) -> bool:
    """``12``, ``Page 3``, ``3 / 10``, ``- 7 -``, ``xii``."""
    return bool(_PAGE_NUMBER.match(_MARKUP.sub("", text).strip()))


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
    if block.kind not in (BlockKind.paragraph, BlockKind.heading, BlockKind.list, BlockKind.caption):
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
    """Mark repeated band text and lone page numbers as header/footer (in place), and record each in
    its page's ``set_aside`` (they leave the markdown)."""
    seen: dict[tuple[str, str], set[int]] = defaultdict(set)
    candidates: list[tuple[Page, Block, str, str]] = []
    for page in pages:
        edges = bands(page)
        for block in page.blocks:
            band = band_of(block, page, edges)
            if band is None:
                continue
            key = normalise(block.text)
            if key:
                seen[(band, key)].add(page.number)
                candidates.append((page, block, band, key))
    for page in pages:
        lowest = _lone_number_below_content(page)
        if lowest is not None and all(lowest is not c[1] for c in candidates):
            candidates.append((page, lowest, "bottom", normalise(lowest.text)))
    need = min_repeats(len(pages))
    for page, block, band, key in candidates:
        if len(seen[(band, key)]) >= need or is_page_number(block.text):
            block.kind = BlockKind.header if band == "top" else BlockKind.footer
            block.level = None
            block.ordered = None
            set_aside(page, block)


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
