"""A page's text in every direction: the main direction as lines, the others as blocks, margin stamps
and overprinted copies set aside.

The direction holding most of the page's characters is the page's own (on a ``/Rotate 90`` page,
text that runs up the stored page); its lines are laid out in its :class:`Frame`. Text in any other
direction (a sideways table or caption, vertical CJK, a rotated label) is content too: each
direction is read in its own frame, grouped into blocks there, and the blocks are placed in the
page's reading order. Only a genuine margin stamp is left out of the markdown, and recorded: a
line or two in another direction beside the page's text (an arXiv id, a "Downloaded from" strip),
or a large diagonal watermark.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import pymupdf

from docai.engines.textlayer.fragments import Fragment, read_fragments, row_lines, text_lines
from docai.engines.textlayer.frames import Frame, direction_of, line_angle
from docai.engines.textlayer.links import PageLinks
from docai.layout.kinds import body_size
from docai.layout.lines import TextLine, lines_to_blocks
from docai.layout.order import reading_order
from docai.layout.paragraphs import line_size
from schemas.document import Block, SetAside, SetAsideReason

#: a stamp is at most this many lines
STAMP_LINES = 2
#: a diagonal line this many times the body size or larger is a watermark
WATERMARK_SIZE = 1.5
_LINK = re.compile(r"\[([^\]]*)\]\([^)\s]*\)")
_EMPHASIS = re.compile(r"\*\*|`|(?<!\S)\*(?=\S)|(?<=\S)\*(?!\S)")


@dataclass
class Turned:
    """A region of text in another direction: its ``lines`` in its own ``frame``, and the ``blocks``
    made of them (boxes in the page's main frame)."""

    frame: Frame
    lines: list[TextLine]
    blocks: list[Block]


@dataclass
class PageText:
    """What :func:`read_page_text` found; every box is in ``frame`` coordinates."""

    frame: Frame
    lines: list[TextLine] = field(default_factory=list)
    turned: list[Turned] = field(default_factory=list)
    set_aside: list[SetAside] = field(default_factory=list)

    @property
    def rotated(self) -> list[Block]:
        """The blocks of the text in other directions."""
        return [b for region in self.turned for b in region.blocks]


def read_page_text(page: pymupdf.Page, links: PageLinks, textpage: pymupdf.TextPage | None = None) -> PageText:
    """The page's text, every direction of it (``textpage``: made with ``fragments.TEXT_FLAGS``)."""
    groups: dict[int, list[dict]] = defaultdict(list)
    chars: Counter[int] = Counter()
    copies: list[tuple[str, tuple[float, float, float, float]]] = []
    for line in text_lines(page, textpage, copies):
        direction = direction_of(line_angle(line["dir"]))
        groups[direction].append(line)
        chars[direction] += sum(len(span["text"].strip()) for span in line["spans"])
    main = max(groups, key=lambda d: (chars[d], d == 0)) if groups else 0
    result = PageText(Frame.make(page, main))
    result.set_aside += [SetAside(text=text, reason=SetAsideReason.overprinted_duplicate,
                                  bbox=result.frame.to_frame(box)) for text, box in copies if text]
    if not groups:
        return result
    result.lines = _lines(groups.pop(main), links, result.frame, result.frame, result.set_aside)
    body = body_size((line_size(x), len(x.text)) for x in result.lines) if result.lines else 0.0
    for angle, group in sorted(groups.items()):
        frame = Frame.make(page, angle)
        for lines in clusters(_lines(group, links, frame, result.frame, result.set_aside)):
            if _is_stamp(lines, frame, result, body):
                result.set_aside += [SetAside(text=plain(x.text), reason=SetAsideReason.margin_stamp,
                                              bbox=result.frame.from_frame(frame, x.bbox)) for x in lines]
            else:
                result.turned.append(Turned(frame, lines, region_blocks(lines, frame, result.frame)))
    return result


def clusters(lines: list[TextLine]) -> list[list[TextLine]]:
    """Lines of one direction grouped into regions: lines within two line heights of each other
    (a sideways caption is one region, a stamp in the margin another)."""
    parent = list(range(len(lines)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    boxes = [x.bbox for x in lines]
    for i, a in enumerate(boxes):
        reach = 2 * max(1.0, a[3] - a[1])
        for j in range(i + 1, len(boxes)):
            b = boxes[j]
            if a[0] - reach <= b[2] and b[0] <= a[2] + reach and a[1] - reach <= b[3] and b[1] <= a[3] + reach:
                parent[root(j)] = root(i)
    groups: dict[int, list[TextLine]] = defaultdict(list)
    for i, line in enumerate(lines):
        groups[root(i)].append(line)
    return list(groups.values())


def plain(text: str) -> str:
    """A line's text without its inline markdown."""
    return " ".join(_EMPHASIS.sub("", _LINK.sub(r"\1", text)).split())


def _lines(group: list[dict], links: PageLinks, frame: Frame, main: Frame, set_aside: list[SetAside]) -> list[TextLine]:
    """Lines of one direction in its ``frame``; overprinted copies set aside (boxes in ``main``)."""
    duplicates: list[Fragment] = []
    lines = row_lines(read_fragments(group, links, frame), duplicates)
    set_aside += [SetAside(text=f.text.strip(), reason=SetAsideReason.overprinted_duplicate,
                           bbox=main.from_frame(frame, f.bbox)) for f in duplicates]
    return lines


def _is_stamp(lines: list[TextLine], frame: Frame, page: PageText, body: float) -> bool:
    """One or two lines beside the page's own text (left or right of all of it), or a large
    diagonal line: a stamp, not content."""
    if not lines or len(lines) > STAMP_LINES or not page.lines:
        return False
    if frame.angle % 90:
        return body > 0 and all(line_size(x) >= WATERMARK_SIZE * body for x in lines)
    left = min(x.bbox[0] for x in page.lines)
    right = max(x.bbox[2] for x in page.lines)
    boxes = [page.frame.from_frame(frame, x.bbox) for x in lines]
    return all(b[2] <= left + 1 for b in boxes) or all(b[0] >= right - 1 for b in boxes)


def region_blocks(lines: list[TextLine], frame: Frame, main: Frame) -> list[Block]:
    """Lines of one direction → blocks laid out in their own frame, boxes in the ``main`` frame."""
    order = reading_order([x.bbox for x in lines])
    blocks = lines_to_blocks([lines[i] for i in order], frame.width, frame.height)
    for block in blocks:
        if block.bbox is not None:
            block.bbox = main.from_frame(frame, block.bbox)
    return blocks
