"""Reading order for OCR lines: columns left to right, each top to bottom (a recursive XY cut).

A region is split at vertical gutters (columns) when it has one; otherwise into horizontal bands
separated by empty rows. Adjacent bands that together still have a gutter are merged first, so the
lines of a two-column body are read column by column and not row by row across the gutter, while a
full-width title or footer stays its own band.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import median

BBox = tuple[float, float, float, float]

#: a gutter must be at least this many median line heights wide
GUTTER_LINE_HEIGHTS = 1.5


def reading_order(boxes: Sequence[BBox]) -> list[int]:
    """Indices of ``boxes`` (x0, y0, x1, y1, origin top-left) in reading order."""
    if not boxes:
        return []
    heights = [max(b[3] - b[1], 1.0) for b in boxes]
    min_gutter = GUTTER_LINE_HEIGHTS * median(heights)
    return _order(list(range(len(boxes))), boxes, min_gutter)


def _order(ids: list[int], boxes: Sequence[BBox], min_gutter: float) -> list[int]:
    if len(ids) <= 1:
        return ids
    columns = _split(ids, boxes, axis=0, min_gap=min_gutter)
    if len(columns) > 1:
        return [i for col in columns for i in _order(col, boxes, min_gutter)]
    bands = _merge_bands(_split(ids, boxes, axis=1, min_gap=0.0), boxes, min_gutter)
    if len(bands) > 1:
        return [i for band in bands for i in _order(band, boxes, min_gutter)]
    return sorted(ids, key=lambda i: (boxes[i][1], boxes[i][0]))


def _split(ids: list[int], boxes: Sequence[BBox], *, axis: int, min_gap: float) -> list[list[int]]:
    """Group ids whose extents along ``axis`` (0 = x, 1 = y) overlap or lie closer than ``min_gap``."""
    ordered = sorted(ids, key=lambda i: boxes[i][axis])
    groups: list[list[int]] = [[ordered[0]]]
    reach = boxes[ordered[0]][axis + 2]
    for i in ordered[1:]:
        start, end = boxes[i][axis], boxes[i][axis + 2]
        if start - reach > min_gap:
            groups.append([i])
        else:
            groups[-1].append(i)
        reach = max(reach, end)
    return groups


def _merge_bands(bands: list[list[int]], boxes: Sequence[BBox], min_gutter: float) -> list[list[int]]:
    """Merge consecutive horizontal bands while the merged band still splits into columns."""
    merged: list[list[int]] = []
    for band in bands:
        if merged and len(_split(merged[-1] + band, boxes, axis=0, min_gap=min_gutter)) > 1:
            merged[-1] = merged[-1] + band
        else:
            merged.append(list(band))
    return merged
