"""Reading order for positioned boxes (text lines, tables, figures) on one page.

The page is cut recursively: first at white bands across the whole region that are taller than
a line or two (so a short section heading over two columns starts a new region); where a vertical gutter separates two sides that are both columns of
text, the left column is read before the right one; boxes that cross the gutter (a full-width
heading, figure or abstract) cut the region into horizontal bands, each ordered on its own. Boxes
without a gutter are read top to bottom, and left to right within a row.
"""

from __future__ import annotations

from collections.abc import Sequence

BBox = tuple[float, float, float, float]

#: narrowest white gap between two columns, in points
MIN_GUTTER = 4.0
#: a white band across the whole region at least this many line heights tall separates two regions
WIDE_GAP = 1.5
#: a gutter wider than this share of the region, and wider than the lines beside it, separates
#: labels from values, not two columns
MAX_GUTTER_SHARE = 0.2
#: the gutter is looked for between these fractions of the region's width
GUTTER_SPAN = (0.12, 0.88)


def reading_order(boxes: Sequence[BBox]) -> list[int]:
    """Indices of ``boxes`` (x0, y0, x1, y1; origin top-left) in reading order."""
    return _order(list(boxes), list(range(len(boxes))), depth=0)


def _order(boxes: list[BBox], idx: list[int], depth: int) -> list[int]:
    if len(idx) <= 1 or depth > 12:
        return _rows(boxes, idx)
    bands = _wide_gaps(boxes, idx)
    if len(bands) > 1:
        return [i for band in bands for i in _order(boxes, band, depth + 1)]
    split = _find_gutter(boxes, idx)
    if split is None:
        return _rows(boxes, idx)
    left, right, spanning = split
    if not spanning:
        return _order(boxes, left, depth + 1) + _order(boxes, right, depth + 1)
    return _bands(boxes, left + right, spanning, depth)


def _wide_gaps(boxes: list[BBox], idx: list[int]) -> list[list[int]]:
    """The region cut at every white band across its whole width that is taller than
    :data:`WIDE_GAP` line heights (the space above a section that spans the columns)."""
    ordered = sorted(idx, key=lambda i: boxes[i][1])
    heights = sorted(boxes[i][3] - boxes[i][1] for i in idx)
    least = WIDE_GAP * max(4.0, heights[len(heights) // 2])
    bands: list[list[int]] = [[]]
    bottom = None
    for i in ordered:
        if bottom is not None and boxes[i][1] - bottom >= least:
            bands.append([])
        bands[-1].append(i)
        bottom = boxes[i][3] if bottom is None else max(bottom, boxes[i][3])
    return bands


def _rows(boxes: list[BBox], idx: list[int]) -> list[int]:
    """Top to bottom; boxes that share a row (overlap vertically by half) left to right."""
    ordered = sorted(idx, key=lambda i: (boxes[i][1], boxes[i][0]))
    result: list[int] = []
    row: list[int] = []
    for i in ordered:
        if row:
            first = boxes[row[0]]
            box = boxes[i]
            overlap = min(first[3], box[3]) - max(first[1], box[1])
            if overlap < 0.5 * max(1.0, min(first[3] - first[1], box[3] - box[1])):
                result.extend(sorted(row, key=lambda j: boxes[j][0]))
                row = []
        row.append(i)
    result.extend(sorted(row, key=lambda j: boxes[j][0]))
    return result


def _bands(boxes: list[BBox], others: list[int], spanning: list[int], depth: int) -> list[int]:
    """Cut the region at each box that crosses the gutter; order the bands in between separately."""
    spanning = sorted(spanning, key=lambda i: (boxes[i][1], boxes[i][0]))
    result: list[int] = []
    centre = {i: (boxes[i][1] + boxes[i][3]) / 2 for i in others}
    remaining = sorted(others, key=lambda i: centre[i])
    pos = 0
    for s in spanning:
        top = boxes[s][1]
        band = []
        while pos < len(remaining) and centre[remaining[pos]] < top:
            band.append(remaining[pos])
            pos += 1
        result.extend(_order(boxes, band, depth + 1))
        result.append(s)
    result.extend(_order(boxes, remaining[pos:], depth + 1))
    return result


def _find_gutter(boxes: list[BBox], idx: list[int]) -> tuple[list[int], list[int], list[int]] | None:
    """(left, right, crossing) around the best vertical gutter, or ``None`` if the region has no columns."""
    x_lo = min(boxes[i][0] for i in idx)
    x_hi = max(boxes[i][2] for i in idx)
    width = int(x_hi - x_lo)
    if width < 40:
        return None
    cover = [0] * (width + 2)
    for i in idx:
        a = max(0, int(boxes[i][0] - x_lo))
        b = min(width + 1, int(boxes[i][2] - x_lo) + 1)
        cover[a] += 1
        cover[b] -= 1
    running = 0
    for x in range(width + 2):
        running += cover[x]
        cover[x] = running
    lo, hi = int(width * GUTTER_SPAN[0]), int(width * GUTTER_SPAN[1])
    least = min(cover[lo:hi + 1])
    if least > 0.4 * len(idx):
        return None
    run = _widest_run(cover, lo, hi, least)
    if run is None:
        return None
    a, b = x_lo + run[0], x_lo + run[1] + 1
    if least == 0 and b - a < MIN_GUTTER:
        return None
    left = [i for i in idx if boxes[i][2] <= a + 0.5]
    right = [i for i in idx if boxes[i][0] >= b - 0.5]
    crossing = [i for i in idx if boxes[i][2] > a + 0.5 and boxes[i][0] < b - 0.5]
    if not (_is_column(boxes, left, a - x_lo) and _is_column(boxes, right, x_hi - b)):
        return None
    if b - a > MAX_GUTTER_SHARE * width and b - a > 1.5 * min(_line_width(boxes, left), _line_width(boxes, right)):
        return None  # white space wider than the text beside it: labels and values, not columns
    return left, right, crossing


def _widest_run(cover: list[int], lo: int, hi: int, value: int) -> tuple[int, int] | None:
    best: tuple[int, int] | None = None
    start = None
    for x in range(lo, hi + 2):
        inside = x <= hi and cover[x] == value
        if inside and start is None:
            start = x
        elif not inside and start is not None:
            if best is None or x - 1 - start > best[1] - best[0]:
                best = (start, x - 1)
            start = None
    return best


def _line_width(boxes: list[BBox], side: list[int]) -> float:
    """The width of a full line on this side: the 80th percentile (short last lines and list items
    do not count)."""
    widths = sorted(boxes[i][2] - boxes[i][0] for i in side)
    return widths[int(0.8 * (len(widths) - 1))]


def _is_column(boxes: list[BBox], side: list[int], side_width: float) -> bool:
    """At least two boxes on this side, and its full lines fill a good part of its width (lines of a
    text column, not the labels of a form or the cells of a table row)."""
    if len(side) < 2 or side_width <= 0:
        return False
    return _line_width(boxes, side) >= 0.45 * side_width
