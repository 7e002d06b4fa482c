"""Per-page routing: is the text layer good enough, or does the page need OCR (or a model)?"""

from __future__ import annotations

from docai.ingest.source import PageContext
from docai.options import ConvertOptions, EngineChoice
from schemas.document import Route

MIN_TEXT_CHARS = 16


def route_page(ctx: PageContext, options: ConvertOptions) -> tuple[Route, str]:
    """The route for one page and the reason, in words, recorded in the page JSON."""
    if options.engine is not EngineChoice.auto:
        return Route(options.engine.value), f"forced by --engine {options.engine.value}"
    if ctx.source.is_image:
        return _fallback(options, "image input has no text layer")
    text = ctx.page.get_text("text")
    chars = sum(1 for c in text if not c.isspace())
    if chars < MIN_TEXT_CHARS:
        return _fallback(options, f"text layer has {chars} characters")
    return Route.text, f"text layer has {chars} characters"


def _fallback(options: ConvertOptions, reason: str) -> tuple[Route, str]:
    if options.nougat_model:
        return Route.nougat, reason + "; nougat model configured"
    return Route.ocr, reason
