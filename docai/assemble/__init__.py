"""Blocks → Document → markdown / JSON."""

from docai.assemble.document import assemble_document
from docai.assemble.markdown import render_markdown

__all__ = ["assemble_document", "render_markdown"]
