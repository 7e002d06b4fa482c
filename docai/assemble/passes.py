"""Document-level passes over all pages' blocks, run after the engines and before rendering.

Each pass takes the pages (in order) and edits their blocks in place: running headers/footers that
repeat across pages, heading levels from the document's font statistics.
"""

from __future__ import annotations

from collections.abc import Callable

from docai.assemble.furniture import mark_furniture
from docai.assemble.headings import assign_heading_levels
from schemas.document import Page

DocumentPass = Callable[[list[Page]], None]

#: the passes, in the order they run (furniture first, so running headers are never ranked as headings)
DOCUMENT_PASSES: list[DocumentPass] = [mark_furniture, assign_heading_levels]
