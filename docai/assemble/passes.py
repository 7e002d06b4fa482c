"""Document-level passes over all pages' blocks, run after the engines and before rendering.

Each pass takes the pages (in order) and edits their blocks in place: running headers/footers that
repeat across pages, heading levels from the document's font statistics.
"""

from __future__ import annotations

from collections.abc import Callable

from schemas.document import Page

DocumentPass = Callable[[list[Page]], None]

#: the passes, in the order they run
DOCUMENT_PASSES: list[DocumentPass] = []
