"""Heading levels from the font statistics of the whole document.

The engines mark heading candidates (short lines larger or bolder than the page's body text) and
record every block's ``font_size`` and ``bold``. Here the body size is the most common size over
all pages, weighted by characters; candidate sizes clearly above it are ranked largest first and
mapped to levels 1..3, and bold candidates at body size come after them. Candidates at body size
that are not bold are turned back into paragraphs.
"""

from __future__ import annotations

from schemas.document import Block, BlockKind, Page

#: a heading size must exceed the body size by this factor to rank above bold body-size headings
LARGER = 1.08
#: the deepest level assigned here
MAX_LEVEL = 3
_TEXT_KINDS = (BlockKind.paragraph, BlockKind.list, BlockKind.caption, BlockKind.heading)


def document_body_size(pages: list[Page]) -> float:
    """The most common font size of the document's text, weighted by characters (0 if unknown)."""
    counts: dict[float, int] = {}
    for page in pages:
        for block in page.blocks:
            if block.kind in _TEXT_KINDS and block.font_size:
                key = round(block.font_size * 2) / 2
                counts[key] = counts.get(key, 0) + len(block.text)
    return max(counts, key=counts.get) if counts else 0.0


def heading_levels(candidates: list[Block], body: float) -> dict[float, int]:
    """Size (rounded to half a point) → level, for the sizes of the candidates above the body size."""
    sizes = sorted({round((b.font_size or 0) * 2) / 2 for b in candidates
                    if body and (b.font_size or 0) >= body * LARGER}, reverse=True)
    return {size: min(rank + 1, MAX_LEVEL) for rank, size in enumerate(sizes)}


def assign_heading_levels(pages: list[Page]) -> None:
    """Give heading candidates their final level (in place); demote ones that are body text."""
    candidates = [b for p in pages for b in p.blocks if b.kind is BlockKind.heading]
    if not candidates:
        return
    body = document_body_size(pages)
    if not body or not any(b.font_size for b in candidates):
        return  # no font statistics (e.g. a model engine): keep the engine's levels
    levels = heading_levels(candidates, body)
    bold_level = min(MAX_LEVEL, len(levels) + 1)
    for block in candidates:
        size = round((block.font_size or 0) * 2) / 2
        if size in levels:
            block.level = levels[size]
        elif block.bold and (block.font_size or 0) >= body * 0.9:
            block.level = bold_level
        else:
            block.kind = BlockKind.paragraph
            block.level = None
            if block.bold and block.text.strip():  # headings carry no bold markup; paragraphs do
                block.text = f"**{block.text.strip()}**"
