"""What one page's generation amounts to: markdown, or a collapse the original would mark missing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from docai.engines.nougat.guard import repetition_cut
from docai.engines.nougat.postprocess import postprocess
from docai.engines.nougat.references import MISSING_POST
from docai.models.decode import DecodeSettings, Generation

Status = Literal["ok", "collapsed", "blank"]


@dataclass(frozen=True)
class PageOutcome:
    """``ok``: usable markdown. ``collapsed``: the model looped (the original's ``MISSING_PAGE_FAIL``)
    or collapsed from its first tokens (``MISSING_PAGE_EMPTY``). ``blank``: nothing on the page."""

    status: Status
    markdown: str = ""
    reason: str = ""
    tokens: int = 0
    marker: str = ""  # FAIL or EMPTY for a page that is not ok

    def placeholder(self, page_number: int) -> str:
        """The original's marker for this page, e.g. ``[MISSING_PAGE_FAIL:3]``."""
        return f"[MISSING_PAGE_{self.marker}:{page_number}]"


def judge(generation: Generation, tokenizer, settings: DecodeSettings) -> PageOutcome:
    """Apply the post-hoc repetition cut, detokenise and postprocess one page."""
    count = len(generation.tokens)
    if settings.guard is not None:
        cut = repetition_cut(generation.max_logits, ended=generation.ended,
                             max_index=max(1, settings.max_length - 1))
        if cut == 0:
            return PageOutcome("collapsed", reason=f"the output repeats from its first tokens ({count} tokens)",
                               tokens=count, marker="EMPTY")
        if cut is not None:
            how = "stopped by the repetition guard" if generation.finish == "guard" else "hit the length limit"
            return PageOutcome("collapsed", reason=f"the output repeats from token {cut - 1} of {count} ({how})",
                               tokens=count, marker="FAIL")
    raw = tokenizer.decode(generation.tokens, skip_special_tokens=True)
    markdown = postprocess(raw)
    if markdown.strip() == MISSING_POST:
        return PageOutcome("collapsed", reason="the output was only a hallucinated reference list",
                           tokens=count, marker="EMPTY")
    if not markdown.strip():
        return PageOutcome("blank", reason="the model found no text on the page", tokens=count, marker="EMPTY")
    return PageOutcome("ok", markdown=markdown, tokens=count)
