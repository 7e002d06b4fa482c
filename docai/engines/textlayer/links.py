"""External links of a page (``page.get_links()``), looked up by the position of a span."""

from __future__ import annotations

from collections.abc import Sequence

BBox = tuple[float, float, float, float]


class PageLinks:
    """The page's URI links; :meth:`at` finds the one under a span's centre."""

    def __init__(self, links: Sequence[dict]) -> None:
        self._areas: list[tuple[BBox, str]] = []
        for link in links:
            uri = link.get("uri")
            area = link.get("from")
            if uri and area is not None and _safe_uri(uri):
                self._areas.append(((area.x0 - 1, area.y0 - 1, area.x1 + 1, area.y1 + 1), uri))

    def __bool__(self) -> bool:
        return bool(self._areas)

    def at(self, bbox: BBox) -> str | None:
        """The URI of the link covering the centre of ``bbox``, if any."""
        if not self._areas:
            return None
        cx, cy = (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2
        for (x0, y0, x1, y1), uri in self._areas:
            if x0 <= cx <= x1 and y0 <= cy <= y1:
                return uri
        return None


def _safe_uri(uri: str) -> bool:
    """Only web and mail links are kept; ``javascript:`` and ``file:`` links are not."""
    return uri.lower().startswith(("http://", "https://", "mailto:", "ftp://")) and not any(
        c in uri for c in " \n()<>"
    )
