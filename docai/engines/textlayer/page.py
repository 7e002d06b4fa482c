"""One born-digital page → blocks in reading order: lines, tables and figures laid out together.

Text wins over a figure box: lines printed over an image (a cover, a card, a callout, labels on a
photo) stay text, and the figure placeholder is read where the figure starts. Only lines inside a
table are left out, since the table's cells hold their words.
"""

from __future__ import annotations

from collections import Counter

import pymupdf

from docai.conservation import words
from docai.engines.base import EngineOutput
from docai.engines.textlayer.aligned import aligned_tables
from docai.engines.textlayer.directions import PageText, Turned, plain, read_page_text, region_blocks
from docai.engines.textlayer.figures import figure_block, figure_boxes
from docai.engines.textlayer.fragments import TEXT_FLAGS
from docai.engines.textlayer.frames import union_box
from docai.engines.textlayer.garbage import (
    Knows,
    RegionReader,
    misencoded_regions,
    read_garbage,
    split_garbage,
)
from docai.engines.textlayer.links import PageLinks
from docai.engines.textlayer.tables import page_tables
from docai.layout.kinds import body_size
from docai.layout.lines import TextLine, lines_to_blocks
from docai.layout.order import reading_order
from docai.layout.paragraphs import line_size
from schemas.document import Block, BlockKind, RegionRoute, Route

BBox = tuple[float, float, float, float]

#: a figure that holds text is ordered as a box this size (points) at its top-left corner, so its
#: outline does not hide the columns of the text printed over it
_ANCHOR = 6.0


def page_blocks(page: pymupdf.Page) -> list[Block]:
    """The page's blocks: paragraphs, headings (candidates), lists, captions, code, tables, figures."""
    return read_page(page).blocks


def read_page(page: pymupdf.Page, region_reader: RegionReader | None = None,
              knows: Knows | None = None) -> EngineOutput:
    """The page's blocks, with the regions read another way (garbage lines sent to ``region_reader``'s
    OCR, unless ``knows`` says it cannot read their script) and the text set aside. Boxes are in the
    page's reading frame (see :mod:`.frames`)."""
    textpage = page.get_textpage(flags=TEXT_FLAGS)  # one text extraction shared by every reader
    text = read_page_text(page, PageLinks(page.get_links()), textpage)
    upright = text.frame.identity and not page.rotation  # frame, stored and displayed page coincide
    lines, bad = split_garbage(text.lines) if upright else (text.lines, [])
    regions: list[RegionRoute] = misencoded_regions(lines) if upright else []
    set_aside = list(text.set_aside)
    if bad:
        ocr_lines, garbage_routes, garbage = read_garbage(page, bad, region_reader, knows)
        regions = garbage_routes + regions
        lines += ocr_lines
        set_aside += garbage
    blocks = layout_page(page, lines, textpage, text)
    scans = [b for b in blocks if b.kind is BlockKind.figure and upright and _under_invisible_text(page, b.bbox, lines)]
    for scan in scans:  # a scanned picture of text under its OCR layer: the layer is its content
        blocks.remove(scan)
        regions.append(RegionRoute(bbox=scan.bbox, route=Route.text,
                                   reason="picture under an invisible OCR text layer: read from the layer"))
    return EngineOutput(blocks=blocks, regions=regions, set_aside=set_aside)


def _under_invisible_text(page: pymupdf.Page, box: BBox | None, lines: list[TextLine]) -> bool:
    """Most of the text over the picture ``box`` is invisible (render mode 3: an OCR layer)."""
    if box is None or not any(_centre_inside(line.bbox, box) for line in lines):
        return False
    shown = hidden = 0
    for block in page.get_text("dict", clip=box, flags=TEXT_FLAGS)["blocks"]:
        for line in block.get("lines", ()):
            for span in line["spans"]:
                chars = len(span["text"].strip())
                if span.get("alpha", 255) == 0:
                    hidden += chars
                else:
                    shown += chars
    return hidden > 2 * shown


def layout_page(page: pymupdf.Page, lines: list[TextLine], textpage: pymupdf.TextPage | None = None,
                text: PageText | None = None) -> list[Block]:
    """Blocks in reading order from the page's text lines (in ``text.frame``), the blocks of its text
    in other directions, its tables and its figures; boxes in the reading frame."""
    frame = text.frame if text is not None else None
    figures = [figure_block(frame.to_frame(box) if frame else box) for box in figure_boxes(page)]
    if not lines and (text is None or not text.turned):
        return figures
    drawings = page.get_cdrawings()
    if text is not None:
        _turned_tables(page, drawings, text, textpage)
    rotated = text.rotated if text is not None else []
    tables = page_tables(page, drawings, [line.bbox for line in lines], textpage, frame)
    if frame is None or frame.angle % 90 == 0:
        skip = [t.bbox for t in tables] + [line.bbox for line in lines if line.mono] + [b.bbox for b in rotated]
        tables += aligned_tables(page, skip, textpage, frame)
    held = [(t, _table_words(t)) for t in tables]
    lines = [line for line in lines if not any(_held(line.text, line.bbox, *h) for h in held)]
    rotated = [b for b in rotated if b.kind is BlockKind.table or not any(_held(b.text, b.bbox, *h) for h in held)]
    body = body_size((line_size(x), len(x.text)) for x in lines)
    items: list[TextLine | Block] = [*lines, *tables, *figures, *rotated]
    order = reading_order([_order_box(item, lines) for item in items])
    blocks: list[Block] = []
    run: list[TextLine] = []
    width, height = (frame.width, frame.height) if frame else (float(page.rect.width), float(page.rect.height))
    for i in order:
        item = items[i]
        if isinstance(item, TextLine):
            run.append(item)
            continue
        blocks.extend(lines_to_blocks(run, width, height, body_size=body))
        run = []
        blocks.append(item)
    blocks.extend(lines_to_blocks(run, width, height, body_size=body))
    return blocks


def _turned_tables(page: pymupdf.Page, drawings: list[dict], text: PageText,
                   textpage: pymupdf.TextPage | None) -> None:
    """Tables in the text of other directions (a table set sideways on a portrait page), ruled or
    aligned, searched per direction over the area its regions cover: each table replaces the
    lines its cells hold, in the first region of that direction."""
    by_angle: dict[int, list[Turned]] = {}
    for region in text.turned:
        if region.frame.angle % 90 == 0:
            by_angle.setdefault(region.frame.angle, []).append(region)
    for regions in by_angle.values():
        frame = regions[0].frame
        boxes = [line.bbox for region in regions for line in region.lines]
        area = union_box(boxes)
        tables = page_tables(page, drawings, boxes, textpage, frame, within=area)
        others = [frame.from_frame(text.frame, line.bbox) for line in text.lines]
        others += [frame.from_frame(text.frame, b.bbox) for r in text.turned if r.frame.angle != frame.angle
                   for b in r.blocks if b.bbox]
        tables += aligned_tables(page, [t.bbox for t in tables] + others, textpage, frame, within=area)
        if not tables:
            continue
        held = [(t, _table_words(t)) for t in tables]
        for region in regions:
            lines = [line for line in region.lines if not any(_held(line.text, line.bbox, *h) for h in held)]
            if len(lines) < len(region.lines):
                region.lines = lines
                region.blocks = region_blocks(lines, frame, text.frame)
        for table in tables:
            table.bbox = text.frame.from_frame(frame, table.bbox)
        regions[0].blocks += tables


def _order_box(item: TextLine | Block, lines: list[TextLine]) -> BBox:
    """The box that places ``item`` in the reading order: a figure with text over it counts as a
    small box at its top-left corner (the text is read where it stands)."""
    box = item.bbox
    if (isinstance(item, Block) and item.kind is BlockKind.figure and box is not None
            and any(_centre_inside(line.bbox, box) for line in lines)):
        return (box[0], box[1], min(box[2], box[0] + _ANCHOR), min(box[3], box[1] + _ANCHOR))
    return box


def _table_words(table: Block) -> Counter[str]:
    return Counter(w for row in table.rows or [] for cell in row for w in words(cell))


def _held(text: str, box: BBox, table: Block, cells: Counter[str]) -> bool:
    """The line lies in the table and the table's cells still hold its words, which it then takes
    from ``cells``: a line the table left out (code beside a borderless table, an axis label over
    it) stays a line, and the table's words are not claimed twice."""
    need = Counter(words(plain(text)))
    if not _centre_inside(box, table.bbox) or not need <= cells:
        return False
    cells -= need
    return True


def _centre_inside(box: BBox, area: BBox | None) -> bool:
    if area is None:
        return False
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return area[0] <= cx <= area[2] and area[1] <= cy <= area[3]
