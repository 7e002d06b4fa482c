"""Inputs of a plugin call: images and PDF pages, opened through :mod:`docai.ingest` with its limits.

An image (PNG, JPEG, TIFF) is one item with its own pixels; a PDF gives one item per selected page, rendered
at ``dpi`` within the pixel limit. Every item carries a label (``photo.png``, ``paper.pdf#3``) that the
CLI prints and the queue stores next to each answer.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from docai.ingest.source import Source, open_source, read_source, sniff_mime_type
from docai.options import Limits
from docai.plugins.images import prepare_image

#: render resolution of PDF pages given to a plugin model
PAGE_DPI = 144


@dataclass(frozen=True)
class InputItem:
    """One image a model sees: where it came from and its pixels (RGB)."""

    source: str
    page: int | None  # 1-based page of a PDF; None for an image file
    image: Image.Image

    @property
    def label(self) -> str:
        return self.source if self.page is None else f"{self.source}#{self.page}"


def load_inputs(sources: Sequence[Source], *, pages: str | None = None, password: str | None = None,
                limits: Limits | None = None, dpi: int = PAGE_DPI) -> list[InputItem]:
    """Every item of every source, in order. A bad source raises its one-line :class:`DocaiError`."""
    limits = limits or Limits()
    items: list[InputItem] = []
    for source in sources:
        items.extend(load_input(source, pages=pages, password=password, limits=limits, dpi=dpi))
    return items


def load_input(source: Source, *, pages: str | None = None, password: str | None = None,
               limits: Limits | None = None, dpi: int = PAGE_DPI, name: str | None = None) -> list[InputItem]:
    """The items of one source: the image, or the selected pages of a PDF (``pages`` applies to PDFs)."""
    limits = limits or Limits()
    read_name, data = read_source(source, limits)
    label = name or (Path(read_name).name if not read_name.startswith("<") else read_name)
    stream = io.BytesIO(data)
    stream.name = label
    is_pdf = sniff_mime_type(data[:2048]) == "application/pdf"
    with open_source(stream, password=password, pages=pages if is_pdf else None, limits=limits) as src:
        if src.is_image:
            return [InputItem(source=label, page=None, image=prepare_image(data, limits.max_image_pixels, name=label))]
        return [InputItem(source=label, page=ctx.number, image=ctx.render(dpi)) for ctx in src.pages()]
