"""Pages → Document: document-level passes, markdown per page and for the whole document."""

from __future__ import annotations

import json
from typing import Any

from docai.assemble.markdown import render_markdown
from docai.assemble.passes import DOCUMENT_PASSES
from schemas.document import Document, Page


def assemble_document(pages: list[Page], *, source: str, sha256: str, mime_type: str, page_count: int,
                      metadata: dict[str, str] | None = None, options: dict[str, Any] | None = None,
                      timings: dict[str, float] | None = None) -> Document:
    """Run the document passes, render each page's markdown and join them into a Document."""
    from docai import __version__

    for document_pass in DOCUMENT_PASSES:
        document_pass(pages)
    for page in pages:
        page.markdown = render_markdown(page.blocks)
        if not page.markdown and page.data is not None:
            page.markdown = "```json\n" + json.dumps(page.data, indent=2, ensure_ascii=False) + "\n```\n"
        if page.errors and not page.markdown:
            page.markdown = f"<!-- page {page.number} failed: {page.errors[0].message} -->\n"
    markdown = "\n".join(p.markdown for p in pages if p.markdown)
    return Document(
        docai_version=__version__, source=source, sha256=sha256, mime_type=mime_type, page_count=page_count,
        metadata=metadata or {}, options=options or {}, pages=pages, markdown=markdown, timings=timings or {},
    )
