"""Page selections like ``1-3,7,10-`` (1-based, inclusive)."""

from __future__ import annotations

import re

from docai.errors import PageRangeError

_PART = re.compile(r"\s*(\d*)\s*(-?)\s*(\d*)\s*")

#: no document has a page number longer than this (and int() of 4,300+ digits raises)
MAX_DIGITS = 9


def parse_page_selection(spec: str | None, page_count: int) -> list[int]:
    """Return the 0-based page indices that ``spec`` names, in order, without repeats.

    ``None`` or ``""`` selects every page. ``"5-"`` runs to the last page, ``"-3"`` from the first.
    Raises :class:`PageRangeError` for syntax errors and pages the document does not have.
    """
    if spec is None or not spec.strip():
        return list(range(page_count))
    chosen: list[int] = []
    seen: set[int] = set()
    for part in spec.split(","):
        m = _PART.fullmatch(part)
        if not m or (not m.group(1) and not m.group(3)):
            raise PageRangeError(f"bad page selection {spec!r}: use numbers and ranges like '1-3,7'")
        first_s, dash, last_s = m.groups()
        if max(len(first_s), len(last_s)) > MAX_DIGITS:
            big = first_s if len(first_s) > MAX_DIGITS else last_s
            raise PageRangeError(f"page number {big[:12]}… in the selection is out of range: "
                                 f"the document has {page_count} page{'s' if page_count != 1 else ''}")
        if not dash and last_s:
            raise PageRangeError(f"bad page selection {spec!r}: use numbers and ranges like '1-3,7'")
        first = int(first_s) if first_s else 1
        last = (int(last_s) if last_s else page_count) if dash else first
        if first < 1 or last < first:
            raise PageRangeError(f"bad page range {part.strip()!r} in {spec!r}: pages count from 1 upwards")
        if last > page_count:
            raise PageRangeError(
                f"page {last} is out of range: the document has {page_count} page{'s' if page_count != 1 else ''}"
            )
        for i in range(first - 1, last):
            if i not in seen:
                seen.add(i)
                chosen.append(i)
    return chosen
