"""Born-digital pages from their text layer (no OCR)."""

from __future__ import annotations

from typing import Any

from docai.engines.base import EngineOutput
from docai.ingest.source import PageContext
from docai.options import ConvertOptions
from schemas.document import Block, BlockKind

VERSION = "0.1"


class TextLayerEngine:
    """Reads pymupdf's text layer and lays it out into blocks."""

    name = "text"
    version = VERSION

    def cache_options(self) -> dict[str, Any]:
        return {}

    def process(self, pages: list[PageContext]) -> list[EngineOutput]:
        return [self._page(ctx) for ctx in pages]

    def _page(self, ctx: PageContext) -> EngineOutput:
        blocks = []
        for x0, y0, x1, y1, text, _no, kind in ctx.page.get_text("blocks", sort=True):
            if kind == 0 and text.strip():
                blocks.append(Block(kind=BlockKind.paragraph, text=" ".join(text.split()), bbox=(x0, y0, x1, y1)))
        return EngineOutput(blocks=blocks)


def create(options: ConvertOptions) -> TextLayerEngine:
    return TextLayerEngine()
