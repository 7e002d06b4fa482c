"""One born-digital page → blocks in reading order: lines, tables and figures laid out together."""

from __future__ import annotations

import pymupdf

from docai.engines.textlayer.aligned import aligned_tables
from docai.engines.textlayer.directions import read_page_text
from docai.engines.textlayer.figures import figure_block, figure_boxes
from docai.engines.textlayer.fragments import TEXT_FLAGS
from docai.engines.textlayer.links import PageLinks
from docai.engines.textlayer.tables import page_tables
from docai.layout.kinds import body_size
from docai.layout.lines import TextLine, lines_to_blocks
from docai.layout.order import reading_order
from docai.layout.paragraphs import line_size
from schemas.document import Block, SetAside

BBox = tuple[float, float, float, float]


def page_blocks(page: pymupdf.Page) -> tuple[list[Block], list[SetAside]]:
    """The page's blocks (paragraphs, headings (candidates), lists, captions, code, tables, figures,
    text in other directions), boxes as the page is displayed, and the text set aside."""
    textpage = page.get_textpage(flags=TEXT_FLAGS)  # one text extraction shared by every reader
    text = read_page_text(page, PageLinks(page.get_links()), textpage)
    frame, lines = text.frame, text.lines
    if not lines and not text.rotated:
        return [figure_block(frame.to_display(frame.to_frame(box))) for box in figure_boxes(page)], text.set_aside
    tables: list[Block] = []
    if frame.identity:  # on a turned page pymupdf's tables would come out transposed: lines instead
        tables = page_tables(page, page.get_cdrawings(), [line.bbox for line in lines], textpage)
        skip = [t.bbox for t in tables] + [line.bbox for line in lines if line.mono] + [b.bbox for b in text.rotated]
        tables += aligned_tables(page, skip, textpage)
    figures = [figure_block(frame.to_frame(box)) for box in figure_boxes(page)]
    placed = tables + figures
    lines = [line for line in lines if not any(_centre_inside(line.bbox, b.bbox) for b in placed)]
    rotated = [b for b in text.rotated if not any(_centre_inside(b.bbox, t.bbox) for t in tables)]
    body = body_size((line_size(x), len(x.text)) for x in lines)
    items: list[TextLine | Block] = [*lines, *placed, *rotated]
    order = reading_order([item.bbox for item in items])
    blocks: list[Block] = []
    run: list[TextLine] = []
    width, height = frame.width, frame.height
    for i in order:
        item = items[i]
        if isinstance(item, TextLine):
            run.append(item)
            continue
        blocks.extend(lines_to_blocks(run, width, height, body_size=body))
        run = []
        blocks.append(item)
    blocks.extend(lines_to_blocks(run, width, height, body_size=body))
    for block in blocks:
        if block.bbox is not None:
            block.bbox = frame.to_display(block.bbox)
    return blocks, text.set_aside


def _centre_inside(box: BBox, area: BBox | None) -> bool:
    if area is None:
        return False
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return area[0] <= cx <= area[2] and area[1] <= cy <= area[3]
