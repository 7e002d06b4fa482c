"""OCR of a few regions of a page (the parts of a text layer whose glyphs have no usable Unicode):
each region is rendered on its own, its lines detected and all of them recognised in one batch."""

from __future__ import annotations

import numpy as np
import pymupdf

from docai.engines.ocr.engine import MIN_LINE_CONFIDENCE, crop_line
from docai.engines.ocr.models import OcrModels
from docai.layout import TextLine

BBox = tuple[float, float, float, float]

#: regions are rendered at this resolution (small text in a region of a born-digital page)
REGION_DPI = 200
#: white margin (points) rendered around a region, so the detector sees whole glyphs
PAD = 4.0
#: white border (pixels) added around the rendering: the line detector misses text that touches the edge
MARGIN = 32
#: a region rendered larger than this many pixels is scaled down to it
MAX_PIXELS = 16_000_000


def read_regions(models: OcrModels, page: pymupdf.Page, boxes: list[BBox], dpi: int = REGION_DPI) -> list[TextLine]:
    """The text lines OCR reads in ``boxes`` of ``page``, with boxes in page points."""
    crops: list[np.ndarray] = []
    places: list[BBox] = []
    for box in boxes:
        rect = (pymupdf.Rect(box) + (-PAD, -PAD, PAD, PAD)) & page.rect
        if rect.is_empty:
            continue
        zoom = min(dpi / 72, (MAX_PIXELS / max(1.0, rect.width * rect.height)) ** 0.5)
        pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), clip=rect, alpha=False, colorspace=pymupdf.csRGB)
        image = np.full((pix.h + 2 * MARGIN, pix.w + 2 * MARGIN, 3), 255, dtype=np.uint8)
        image[MARGIN:MARGIN + pix.h, MARGIN:MARGIN + pix.w] = (
            np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.h, pix.w, pix.n)[..., :3])
        quads, _scores = models.detect(image)
        if not quads:  # one short line: the crop is the line
            quads = [np.array([[MARGIN, MARGIN], [MARGIN + pix.w - 1, MARGIN], [MARGIN + pix.w - 1, MARGIN + pix.h - 1],
                               [MARGIN, MARGIN + pix.h - 1]], dtype=np.float32)]
        for quad in quads:
            crops.append(crop_line(image, quad))
            xs, ys = (quad[:, 0] - MARGIN) / zoom, (quad[:, 1] - MARGIN) / zoom
            places.append((rect.x0 + float(xs.min()), rect.y0 + float(ys.min()),
                           rect.x0 + float(xs.max()), rect.y0 + float(ys.max())))
    lines = []
    for place, (text, conf) in zip(places, models.recognize(crops), strict=True):
        if conf >= MIN_LINE_CONFIDENCE and text.strip():
            lines.append(TextLine(text=text.strip(), bbox=place, confidence=round(conf, 4)))
    return lines
