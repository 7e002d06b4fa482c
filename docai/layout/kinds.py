"""Telling block kinds apart from text and font statistics: captions, heading candidates, body size."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

CAPTION = re.compile(
    r"^[\*_]*(Figure|Fig\.|Table|Tab\.|Listing|Algorithm|Chart|Scheme|Plate|Exhibit)\s*"
    r"[A-Z]?\d+(\.\d+)*[a-z]?[\*_]*\s*[:.|—–-]",
    re.IGNORECASE,
)
_REFERENCE = re.compile(r"^\[\d{1,3}\]\s")

#: a heading candidate is at least this much larger than the body text ...
HEADING_SIZE_RATIO = 1.12
#: ... or bold at about body size, and short
HEADING_MAX_CHARS = 160
HEADING_MAX_LINES = 3


def is_caption(text: str) -> bool:
    """``Figure 3: ...``, ``Table 1. ...``, ``Fig. 2 - ...``: a caption, not a sentence about one."""
    return bool(CAPTION.match(text.strip()))


def starts_reference(text: str) -> bool:
    """A bibliography entry such as ``[12] A. Author, ...``."""
    return bool(_REFERENCE.match(text.strip()))


def size_key(size: float) -> float:
    """Font sizes rounded to half a point, so 9.96 and 10.02 count as one size."""
    return round(size * 2) / 2


def body_size(sized_texts: Iterable[tuple[float, int]]) -> float:
    """The most common font size weighted by character count, from (size, chars) pairs (0 if none)."""
    counts: Counter[float] = Counter()
    for size, chars in sized_texts:
        if size > 0 and chars > 0:
            counts[size_key(size)] += chars
    return counts.most_common(1)[0][0] if counts else 0.0


def is_heading_candidate(text: str, size: float, bold: bool, n_lines: int, body: float) -> bool:
    """Short text that is clearly larger than the body, or entirely bold: a heading, perhaps.

    The document-level pass (:mod:`docai.assemble.headings`) decides the final levels from the font
    statistics of all pages, and demotes candidates that turn out to be body text.
    """
    plain = text.strip().strip("*_").strip()
    if not plain or len(plain) > HEADING_MAX_CHARS or n_lines > HEADING_MAX_LINES:
        return False
    if not any(c.isalpha() for c in plain) or plain[0].islower() or is_caption(plain):
        return False
    larger = body > 0 and size >= body * HEADING_SIZE_RATIO
    if larger:
        return True
    if not bold or size < body * 0.9:
        return False
    return len(plain) <= 100 and not plain.endswith((".", ",", ";")) and n_lines <= 2
