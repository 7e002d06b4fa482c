"""Render a page to pixels with pymupdf, within the pixel limit."""

from __future__ import annotations

import pymupdf
from PIL import Image

from docai.errors import LimitExceededError


def render_page(page: pymupdf.Page, dpi: int, max_pixels: int = 0) -> Image.Image:
    """Render ``page`` at ``dpi`` to an RGB image.

    Raises :class:`LimitExceededError` when the raster would exceed ``max_pixels`` (0 = no limit), so a
    page with an absurd media box cannot exhaust memory.
    """
    zoom = dpi / 72.0
    rect = page.rect
    pixels = int(rect.width * zoom) * int(rect.height * zoom)
    if max_pixels and pixels > max_pixels:
        raise LimitExceededError(
            f"page {page.number + 1} would render to {pixels:,} pixels at {dpi} DPI, over the limit of "
            f"{max_pixels:,} (--max-image-pixels)"
        )
    pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), colorspace=pymupdf.csRGB, alpha=False)
    return Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
