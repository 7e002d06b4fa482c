"""Born-digital pages from their text layer (no OCR): reading order, headings, paragraphs, lists,
inline styles and links, ruled tables and figure placeholders.

The modules: :mod:`.fragments` (pymupdf lines → visual lines), :mod:`.spans` (styles → inline
markdown), :mod:`.links`, :mod:`.tables`, :mod:`.figures` and :mod:`.page` (one page laid out);
the line → block logic shared with OCR is in :mod:`docai.layout`.
"""

from __future__ import annotations

from typing import Any

from docai.engines.base import EngineOutput
from docai.engines.textlayer.page import page_blocks
from docai.ingest.source import PageContext
from docai.options import ConvertOptions

#: part of the cache key: bump whenever the blocks this engine produces change
VERSION = "1.3"


class TextLayerEngine:
    """Reads pymupdf's text layer and lays it out into blocks."""

    name = "text"
    version = VERSION
    batch_size = 8

    def cache_options(self) -> dict[str, Any]:
        """The engine has no settings that change its output."""
        return {}

    def process(self, pages: list[PageContext]) -> list[EngineOutput]:
        """One output per page, in order."""
        outputs = []
        for ctx in pages:
            blocks, set_aside = page_blocks(ctx.page)
            outputs.append(EngineOutput(blocks=blocks, set_aside=set_aside))
        return outputs


def create(options: ConvertOptions) -> TextLayerEngine:
    """The engine factory named in :data:`docai.engines.ENGINES`."""
    return TextLayerEngine()
