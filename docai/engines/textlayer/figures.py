"""Raster images on a page → figure placeholders (captions are found with the text)."""

from __future__ import annotations

import pymupdf

from schemas.document import Block, BlockKind

BBox = tuple[float, float, float, float]

#: images smaller than this (points, either side) are icons or bullets, not figures
MIN_SIDE = 24.0
#: an image covering more of the page than this is a background or a scan, not a figure
MAX_PAGE_SHARE = 0.6


def figure_boxes(page: pymupdf.Page) -> list[BBox]:
    """Boxes of the page's figures: its images, overlapping ones merged, icons and backgrounds left out."""
    page_area = max(1.0, page.rect.width * page.rect.height)
    clip = page.rect
    boxes: list[BBox] = []
    for info in page.get_image_info():
        rect = pymupdf.Rect(info["bbox"]) & clip
        if rect.is_empty or rect.width < MIN_SIDE or rect.height < MIN_SIDE:
            continue
        if rect.width * rect.height > MAX_PAGE_SHARE * page_area:
            continue
        boxes.append((rect.x0, rect.y0, rect.x1, rect.y1))
    return merge_overlapping(boxes)


def merge_overlapping(boxes: list[BBox], slack: float = 2.0) -> list[BBox]:
    """Boxes that overlap (or touch within ``slack``) merged into their union, until none do."""
    merged = list(boxes)
    changed = True
    while changed:
        changed = False
        out: list[BBox] = []
        for box in merged:
            for k, other in enumerate(out):
                if (box[0] <= other[2] + slack and other[0] <= box[2] + slack
                        and box[1] <= other[3] + slack and other[1] <= box[3] + slack):
                    out[k] = (min(box[0], other[0]), min(box[1], other[1]), max(box[2], other[2]), max(box[3], other[3]))
                    changed = True
                    break
            else:
                out.append(box)
        merged = out
    return merged


def figure_block(box: BBox) -> Block:
    """A figure placeholder; the renderer writes ``<!-- image -->``."""
    return Block(kind=BlockKind.figure, bbox=box)
