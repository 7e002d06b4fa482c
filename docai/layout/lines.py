"""Positioned text lines → paragraph/heading/list/caption/code blocks. Used by the text-layer and OCR
engines alike, so both paths produce the same kinds of blocks.

The steps live in sibling modules: :mod:`docai.layout.paragraphs` (where paragraphs break),
:mod:`docai.layout.dehyphenate` (joining lines), :mod:`docai.layout.lists` (markers and nesting),
:mod:`docai.layout.kinds` (captions, heading candidates, body size) and :mod:`docai.layout.order`
(reading order of a page's boxes, for engines whose lines are not in order yet).
"""

from __future__ import annotations

from dataclasses import dataclass

from docai.layout.dehyphenate import join_lines
from docai.layout.kinds import HEADING_SIZE_RATIO, is_caption, is_heading_candidate
from docai.layout.kinds import body_size as common_size
from docai.layout.lists import nesting_levels, split_marker
from docai.layout.paragraphs import group_paragraphs, line_size
from schemas.document import Block, BlockKind


@dataclass
class TextLine:
    """One line of text on a page, in PDF points (origin top-left).

    ``text`` may already hold inline markdown (bold/italic/links) when the source knows the styling;
    ``bold``/``italic`` mean the *whole* line is set that way (its text then carries no markers for
    it). ``mono`` marks a line set in a monospaced font (code). OCR lines carry plain text, size 0
    (the line height stands in for it) and ``confidence``.
    """

    text: str
    bbox: tuple[float, float, float, float]
    size: float = 0.0
    bold: bool = False
    italic: bool = False
    confidence: float | None = None
    mono: bool = False


def lines_to_blocks(lines: list[TextLine], page_width: float, page_height: float, *,
                    body_size: float | None = None) -> list[Block]:
    """Group lines (already in reading order) into blocks.

    Paragraphs are re-joined across line breaks (with de-hyphenation); list items keep their label in
    ``marker`` (numbered ones) and get ``ordered``/``level``; ``Figure 1: ...`` becomes a caption; monospaced runs become code;
    short lines larger or bolder than the body text (``body_size``, by default the most common size
    of these lines) become heading candidates with a provisional level. Every block records its
    ``font_size`` and ``bold`` for the document-level passes.
    """
    lines = [line for line in lines if line.text.strip()]
    if not lines:
        return []
    body = body_size or common_size((line_size(x), len(x.text)) for x in lines)
    blocks = [_block(group, body) for group in group_paragraphs(lines)]
    _nest_lists(blocks)
    return blocks


def _block(group: list[TextLine], body: float) -> Block:
    bbox = (min(x.bbox[0] for x in group), min(x.bbox[1] for x in group),
            max(x.bbox[2] for x in group), max(x.bbox[3] for x in group))
    size = common_size((line_size(x), len(x.text)) for x in group)
    bold = all(x.bold for x in group)
    italic = all(x.italic for x in group)
    confs = [x.confidence for x in group if x.confidence is not None]
    common = {"bbox": bbox, "font_size": round(size, 2) or None, "bold": bold,
              "confidence": round(sum(confs) / len(confs), 4) if confs else None}
    if all(x.mono for x in group):
        return Block(kind=BlockKind.code, text=_code_text(group), **common)
    text = join_lines([x.text for x in group])
    marker = split_marker(text)
    larger = body > 0 and size >= body * HEADING_SIZE_RATIO
    if marker and not larger:
        return Block(kind=BlockKind.list, text=_emphasise(marker.text.strip(), bold, italic),
                     ordered=marker.ordered, marker=marker.marker if marker.ordered else None, level=0, **common)
    if is_caption(text):
        return Block(kind=BlockKind.caption, text=_emphasise(text, bold, False), **common)
    if is_heading_candidate(text, size, bold, len(group), body):
        return Block(kind=BlockKind.heading, text=_emphasise(text, False, italic),
                     level=provisional_level(size, body), **common)
    return Block(kind=BlockKind.paragraph, text=_emphasise(text, bold, italic), **common)


def provisional_level(size: float, body: float) -> int:
    """A page-local heading level from the size ratio; the document pass refines it."""
    ratio = size / body if body else 1.0
    return 1 if ratio >= 1.6 else 2 if ratio >= 1.25 else 3


def _emphasise(text: str, bold: bool, italic: bool) -> str:
    """``text`` wrapped in ``**``/``*`` markers (white space kept outside them)."""
    marks = ("**" if bold else "") + ("*" if italic else "")
    if not marks or not text.strip():
        return text
    core = text.strip()
    return text[: len(text) - len(text.lstrip())] + marks + core + marks[::-1] + text[len(text.rstrip()):]


def _code_text(group: list[TextLine]) -> str:
    """Monospaced lines with their line breaks, indented by their offset from the leftmost line."""
    left = min(x.bbox[0] for x in group)
    out = []
    for line in group:
        char_width = 0.6 * line_size(line)
        indent = int(round((line.bbox[0] - left) / char_width)) if char_width else 0
        out.append(" " * max(0, min(indent, 40)) + line.text.strip())
    return "\n".join(out)


def _nest_lists(blocks: list[Block]) -> None:
    """Give each run of consecutive list items nesting levels from their left edges."""
    run: list[Block] = []
    for block in [*blocks, None]:
        if block is not None and block.kind is BlockKind.list:
            run.append(block)
            continue
        if run:
            for item, level in zip(run, nesting_levels([b.bbox[0] for b in run]), strict=True):
                item.level = level
            run = []
