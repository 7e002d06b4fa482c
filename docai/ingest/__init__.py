"""Open inputs safely (type sniffing, limits, passwords), select pages and render them."""

from docai.ingest.pages import parse_page_selection
from docai.ingest.render import render_page
from docai.ingest.source import PageContext, SourceDocument, open_source

__all__ = ["PageContext", "SourceDocument", "open_source", "parse_page_selection", "render_page"]
