"""Born-digital pages from their text layer (no OCR): reading order, headings, paragraphs, lists,
inline styles and links, ruled tables and figure placeholders.

The modules: :mod:`.fragments` (pymupdf lines → visual lines), :mod:`.spans` (styles → inline
markdown), :mod:`.links`, :mod:`.tables`, :mod:`.figures` and :mod:`.page` (one page laid out);
the line → block logic shared with OCR is in :mod:`docai.layout`.
"""

from __future__ import annotations

from typing import Any

import pymupdf

from docai.engines.base import EngineOutput
from docai.engines.textlayer.page import read_page
from docai.ingest.source import PageContext
from docai.layout.lines import TextLine
from docai.options import ConvertOptions

BBox = tuple[float, float, float, float]
#: garbage regions are rendered at this resolution for OCR (see :mod:`docai.engines.ocr.regions`)
REGION_DPI = 200

#: part of the cache key: bump whenever the blocks this engine produces change
VERSION = "1.4"  # 1.4: tables on turned pages, overprinted glyphs, Hangul regions not OCR'd
# 1.3: text over figures kept; garbage lines read by OCR; regions and set-aside text


class TextLayerEngine:
    """Reads pymupdf's text layer and lays it out into blocks; lines of unmapped glyphs are read by the
    OCR models (loaded on the first page that has such lines)."""

    name = "text"
    version = VERSION
    batch_size = 8

    def __init__(self) -> None:
        self._ocr_models = None

    def cache_options(self) -> dict[str, Any]:
        """The resolution garbage regions are OCR'd at (the only setting that changes the output)."""
        return {"region_ocr_dpi": REGION_DPI}

    def process(self, pages: list[PageContext]) -> list[EngineOutput]:
        """One output per page, in order."""
        return [read_page(ctx.page, self.read_regions, self.knows) for ctx in pages]

    def knows(self, char: str) -> bool:
        """Whether the OCR models can read ``char`` (``True`` where they cannot load: the region's
        OCR then fails with the reason)."""
        from docai.engines.ocr.models import load_models
        from docai.errors import ModelError

        if self._ocr_models is None:
            try:
                self._ocr_models = load_models()
            except ModelError:
                return True
        return self._ocr_models.knows(char)

    def read_regions(self, page: pymupdf.Page, boxes: list[BBox]) -> list[TextLine]:
        """OCR of ``boxes`` on ``page`` (raises :class:`docai.errors.ModelError` without rapidocr)."""
        from docai.engines.ocr.models import load_models
        from docai.engines.ocr.regions import read_regions

        if self._ocr_models is None:
            self._ocr_models = load_models()
        return read_regions(self._ocr_models, page, boxes, REGION_DPI)


def create(options: ConvertOptions) -> TextLayerEngine:
    """The factory of the built-in ``text`` engine (registered in :mod:`docai.plugins.builtin`)."""
    return TextLayerEngine()
