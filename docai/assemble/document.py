"""Pages → Document: document-level passes, markdown per page and for the whole document."""

from __future__ import annotations

import json
import re
from typing import Any

from docai.assemble.markdown import FURNITURE, render_markdown
from docai.assemble.passes import DOCUMENT_PASSES
from docai.layout.dehyphenate import join_lines
from schemas.document import Block, BlockKind, Document, Page, SetAsideReason

#: what the furniture pass sets aside, and --keep-furniture puts back
FURNITURE_REASONS = {SetAsideReason.running_header, SetAsideReason.running_footer, SetAsideReason.page_number}
_SENTENCE_END = (".", "!", "?", ":", ";", '"', "”", ")", "*", "`", "|")
_STARTS_LOWER = re.compile(r"^[a-zà-öø-ÿ]")


def assemble_document(pages: list[Page], *, source: str, sha256: str, mime_type: str, page_count: int,
                      metadata: dict[str, str] | None = None, options: dict[str, Any] | None = None,
                      timings: dict[str, float] | None = None, keep_furniture: bool = False) -> Document:
    """Run the document passes, render each page's markdown and join them into a Document.
    ``keep_furniture`` renders running headers, footers and page numbers too (then they are not set aside)."""
    from docai import __version__

    for document_pass in DOCUMENT_PASSES:
        document_pass(pages)
    leave_out = set() if keep_furniture else FURNITURE
    for page in pages:
        if keep_furniture:
            page.set_aside = [s for s in page.set_aside if s.reason not in FURNITURE_REASONS]
        page.markdown = render_markdown(page.blocks, leave_out=leave_out)
        if not page.markdown and page.data is not None:
            page.markdown = "```json\n" + json.dumps(page.data, indent=2, ensure_ascii=False) + "\n```\n"
        if page.errors and not page.markdown:
            page.markdown = f"<!-- page {page.number} failed: {page.errors[0].message} -->\n"
    markdown = join_pages(pages, leave_out)
    return Document(
        docai_version=__version__, source=source, sha256=sha256, mime_type=mime_type, page_count=page_count,
        metadata=metadata or {}, options=options or {}, pages=pages, markdown=markdown, timings=timings or {},
    )


def join_pages(pages: list[Page], leave_out: set[BlockKind] = FURNITURE) -> str:
    """The pages' markdown joined; a paragraph that runs on from one page to the next (no sentence end
    before the break, a lower-case word after it) is joined into one, de-hyphenated. Each page's own
    markdown and blocks are left as they are."""
    parts: list[str] = []
    tail: Block | None = None
    for page in pages:
        if not page.markdown:
            continue
        rendered = [b for b in page.blocks if b.kind not in leave_out]
        head = rendered[0] if rendered else None
        merged = False
        if parts and tail is not None and head is not None and _runs_on(tail, head):
            before, after = tail.text.strip(), head.text.strip()
            previous = parts[-1].rstrip("\n")
            if previous.endswith(before) and page.markdown.startswith(after):
                parts[-1] = previous[: -len(before)] + join_lines([before, after]) + page.markdown[len(after):]
                merged = True
        if not merged:
            parts.append(page.markdown)
        tail = rendered[-1] if rendered else None
    return "\n".join(parts)


def _runs_on(tail: Block, head: Block) -> bool:
    return (tail.kind is BlockKind.paragraph and head.kind is BlockKind.paragraph
            and not tail.text.rstrip().endswith(_SENTENCE_END) and bool(_STARTS_LOWER.match(head.text.lstrip())))
