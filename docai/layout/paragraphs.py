"""Grouping lines (in reading order) into paragraphs: where does one paragraph end and the next begin?"""

from __future__ import annotations

import re
from statistics import median
from typing import TYPE_CHECKING

from docai.layout.kinds import is_caption, starts_reference
from docai.layout.lists import split_marker

if TYPE_CHECKING:
    from docai.layout.lines import TextLine

_LEADER = re.compile(r"(\.\s?){4,}\s*[\divxlcdm]{1,6}\s*$", re.IGNORECASE)
_SENTENCE_END = (".", "!", "?", ":", "”", '"', ".)", ".*", ".**")


def line_size(line: TextLine) -> float:
    """The line's font size, or its height where the source has no font size (OCR)."""
    return line.size if line.size > 0 else max(1.0, line.bbox[3] - line.bbox[1])


def typical_gap(lines: list[TextLine]) -> float:
    """The usual white space between consecutive lines of a paragraph, in points (0 if unknown)."""
    gaps = []
    for prev, line in zip(lines, lines[1:], strict=False):
        height = prev.bbox[3] - prev.bbox[1]
        gap = line.bbox[1] - prev.bbox[3]
        if -0.5 * height < gap < height and abs(line_size(line) - line_size(prev)) < 0.5:
            gaps.append(max(gap, 0.0))
    return median(gaps) if gaps else 0.0


def group_paragraphs(lines: list[TextLine]) -> list[list[TextLine]]:
    """Consecutive lines that belong to one paragraph, list item, heading or code block."""
    groups: list[list[TextLine]] = []
    usual = typical_gap(lines)
    for line in lines:
        if groups and not _starts_new(groups[-1], line, usual):
            groups[-1].append(line)
        else:
            groups.append([line])
    return groups


def _starts_new(group: list[TextLine], line: TextLine, usual_gap: float) -> bool:
    prev = group[-1]
    size, prev_size = line_size(line), line_size(prev)
    height = max(1.0, min(prev.bbox[3] - prev.bbox[1], line.bbox[3] - line.bbox[1]))
    gap = line.bbox[1] - prev.bbox[3]
    if gap > max(0.5 * height, usual_gap + 0.35 * height):
        return True
    if line.bbox[3] < prev.bbox[1] + 0.3 * height:  # moved up: a new column or a new region
        return True
    if (line.bbox[0] > prev.bbox[2] or line.bbox[2] < prev.bbox[0]) and not (line.mono and prev.mono):
        return True  # no horizontal overlap (code may be indented past a closing brace)
    # OCR lines have no font size: their box heights vary with ascenders and descenders, so only a
    # clearly different height (a heading) starts a new paragraph there
    tolerance = 0.12 if line.size > 0 and prev.size > 0 else 0.35
    if abs(size - prev_size) > tolerance * max(size, prev_size) or line.mono != prev.mono:
        return True
    if line.bold != prev.bold and not line.mono:  # highlighted keywords do not split code
        return True
    if _LEADER.search(prev.text):  # a table-of-contents entry ends its own line
        return True
    text = line.text.strip()
    if split_marker(text) or is_caption(text) or starts_reference(text):
        return True
    return _ended_before(group, line, size)


def _ended_before(group: list[TextLine], line: TextLine, size: float) -> bool:
    """The previous line finished a sentence well short of the right edge, or this line is indented
    like a paragraph's first line: a paragraph break without extra space."""
    prev = group[-1]
    if prev.mono or not prev.text.rstrip().endswith(_SENTENCE_END):
        return False
    first = line.text.lstrip("*_[ ")
    if not first or not (first[0].isupper() or first[0].isdigit()):
        return False
    left = min(x.bbox[0] for x in group)
    right = max(x.bbox[2] for x in group)
    if len(group) >= 2 and prev.bbox[2] < right - max(0.2 * (right - left), 3 * size):
        return True
    return len(group) >= 2 and split_marker(group[0].text) is None and line.bbox[0] > left + 0.8 * size
