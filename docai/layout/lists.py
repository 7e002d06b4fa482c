"""List items: recognising a bullet or number at the start of a line, and nesting levels."""

from __future__ import annotations

import re
from dataclasses import dataclass

BULLETS = "•●○◦▪▫■□‣∙·⁃–—-*➢➤►▸▶✓✔❖"
_ROMAN = r"(?:i|ii|iii|iv|v|vi|vii|viii|ix|x|xi|xii)"
_NUMBERED = (
    rf"(?:\d{{1,3}}[.)]|\(\d{{1,3}}\)|[a-z][.)]|\([a-z]\)|{_ROMAN}[.)]|\({_ROMAN}\))"
)
_MARKER = re.compile(
    rf"^(?P<open>\*\*|\*)?(?P<marker>[{re.escape(BULLETS)}]|{_NUMBERED})(?P<close>\*\*|\*)?(?=\s)\s*"
)
# symbol-font bullets with no unicode mapping: private-use or control characters
_PRIVATE_USE = re.compile(r"^[\ue000-\uf8ff\x01-\x08\x0e-\x1f]\s+")


@dataclass(frozen=True)
class ListMarker:
    """What :func:`split_marker` found: the marker, whether it is numbered, and the text after it."""

    marker: str
    ordered: bool
    text: str


def split_marker(text: str) -> ListMarker | None:
    """The list marker at the start of ``text`` (which may start with ``**``/``*`` emphasis), or ``None``.

    A marker must be followed by white space and by some text: ``"• item"``, ``"2) item"``,
    ``"iv. item"``; ``"3.5 GHz"`` and ``"-5 degrees"`` are not list items.
    """
    stripped = text.lstrip()
    m = _PRIVATE_USE.match(stripped)
    if m:
        rest = stripped[m.end():]
        return ListMarker("•", False, rest) if rest.strip() else None
    m = _MARKER.match(stripped)
    if not m:
        return None
    opening, closing = m.group("open") or "", m.group("close") or ""
    rest = stripped[m.end():]
    if opening and opening != closing:
        rest = opening + rest  # the emphasis continues past the marker
    if not rest.strip() or rest.strip() in ("**", "*"):
        return None
    marker = m.group("marker")
    return ListMarker(marker, marker not in BULLETS, rest)


def nesting_levels(indents: list[float], step: float = 8.0) -> list[int]:
    """Nesting depth (0 = outermost) of consecutive list items from their left edges: items whose
    edges lie within ``step`` points share a level."""
    if not indents:
        return []
    edges: list[float] = []
    for x in sorted(indents):
        if not edges or x - edges[-1] > step:
            edges.append(x)
    return [min(3, next(k for k, e in enumerate(edges) if x - e <= step)) for x in indents]
