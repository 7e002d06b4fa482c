"""mupdf's messages: to :mod:`logging`, never to stdout, and the warnings raised while reading a page.

pymupdf prints some of its own remarks (``unhandled font type``) with ``print`` to stdout, and mupdf's
warnings and errors go to stdout too unless switched off. A library must not write there: both go to
the ``docai.mupdf`` logger instead (unless ``PYMUPDF_MESSAGE`` names another destination). The warnings
mupdf raised while a page was read are kept on that page (:func:`collect_problems`): a page read with
problems is never cached.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pymupdf

if TYPE_CHECKING:
    from docai.ingest.source import PageContext

log = logging.getLogger("docai.mupdf")

#: most problems kept per page (a broken page can raise thousands)
MAX_PROBLEMS = 20


def route_messages_to_logging() -> None:
    """Silence mupdf's own printing and send pymupdf's messages to the ``docai.mupdf`` logger."""
    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)
    if not os.environ.get("PYMUPDF_MESSAGE"):
        pymupdf.set_messages(pylogging_logger=log, pylogging_level=logging.WARNING)


@contextmanager
def collect_problems(contexts: Sequence[PageContext]) -> Iterator[None]:
    """Record on each page the mupdf warnings and errors raised while the body ran (also on error)."""
    pymupdf.TOOLS.reset_mupdf_warnings()
    try:
        yield
    finally:
        text = pymupdf.TOOLS.mupdf_warnings(reset=True)
        if text:
            problems = text.splitlines()
            log.debug("mupdf, pages %s: %s", [c.number for c in contexts], "; ".join(problems[:MAX_PROBLEMS]))
            for ctx in contexts:
                room = MAX_PROBLEMS - len(ctx.read_problems)
                if room > 0:
                    ctx.read_problems.extend(problems[:room])
