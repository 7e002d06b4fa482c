"""Regions of a text layer whose glyphs have no usable Unicode, read by OCR instead.

A page may be good text except for a few lines set in a font with a broken ToUnicode map (a
diagram's labels, a heading in a decorative font). Those lines (:func:`docai.route.is_garbage_line`)
are taken out, grouped into regions, and each region is rendered and read by the OCR models; the OCR
lines join the page's text lines with the font size and weight of the lines they replace. Where OCR
cannot run, the garbage text is set aside with its reason; it never reaches the markdown.

Glyphs mapped to wrong but real letters cannot be told from text in general. One common case can:
Hangul from a broken map lands on syllables that Korean text almost never uses (outside the 2,350 of
KS X 1001, which cover all but a handful of syllables in real text): such lines are flagged in the
page's regions (:func:`misencoded`), kept as the layer has them, since there is no better reading.

Lines whose readable letters are mostly of a script the OCR models do not read (the bundled
recogniser has no Hangul, Cyrillic, Arabic or Hebrew) are not sent to OCR, which would only read
their digits: their regions are ``route: failed``, naming the script, and their text is set aside.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import pymupdf

from docai.engines.textlayer.figures import merge_overlapping
from docai.layout.lines import TextLine
from docai.route import is_garbage_line
from schemas.document import RegionRoute, Route, SetAside, SetAsideReason

BBox = tuple[float, float, float, float]
#: reads the text in some boxes of a page: (page, boxes) → OCR lines with page-point boxes
RegionReader = Callable[[pymupdf.Page, list[BBox]], list[TextLine]]
#: whether the OCR models can read a character at all
Knows = Callable[[str], bool]


def split_garbage(lines: list[TextLine]) -> tuple[list[TextLine], list[TextLine]]:
    """(good lines, garbage lines)."""
    good, bad = [], []
    for line in lines:
        (bad if is_garbage_line(line.text) else good).append(line)
    return good, bad


def garbage_regions(bad: list[TextLine]) -> list[BBox]:
    """The garbage lines' boxes, neighbours (within half a line height) merged into regions."""
    slack = 0.5 * max((line.bbox[3] - line.bbox[1] for line in bad), default=0.0)
    return merge_overlapping([line.bbox for line in bad], slack=slack)


def rare_hangul(char: str) -> bool:
    """A Hangul syllable outside KS X 1001's 2,350 common ones (EUC-KR writes those in 2 bytes)."""
    return "\uac00" <= char <= "\ud7a3" and len(char.encode("euc-kr")) != 2


def misencoded(line: TextLine) -> bool:
    """The line's Hangul looks like a broken font map: two or more rare syllables, or one in five."""
    hangul = sum(1 for c in line.text if "\uac00" <= c <= "\ud7a3")
    rare = sum(1 for c in line.text if rare_hangul(c))
    return rare >= 2 or (rare >= 1 and 5 * rare >= hangul)


def misencoded_regions(lines: list[TextLine]) -> list[RegionRoute]:
    """Regions of lines whose letters look mis-mapped (:func:`misencoded`), kept as they are."""
    suspect = [line for line in lines if misencoded(line)]
    if not suspect:
        return []
    reason = (f"{len(suspect)} lines with Hangul syllables Korean text almost never uses: likely a broken "
              "font map, kept as the text layer has it")
    return [RegionRoute(bbox=r, route=Route.text, reason=reason) for r in garbage_regions(suspect)]


def unreadable_script(line: TextLine, knows: Knows) -> str | None:
    """The script (``HANGUL``, ``CYRILLIC``, ...) of a garbage line whose readable letters are
    mostly ones the OCR models cannot read, else ``None``."""
    letters = [c for c in line.text if c.isalpha()]
    unknown = [c for c in letters if not knows(c)]
    if len(letters) < 2 or 2 * len(unknown) < len(letters):
        return None
    return unicodedata.name(unknown[0], "UNKNOWN").split()[0]


def read_garbage(page: pymupdf.Page, bad: list[TextLine], reader: RegionReader | None, knows: Knows | None = None
                 ) -> tuple[list[TextLine], list[RegionRoute], list[SetAside]]:
    """OCR lines for the garbage lines' regions, a region route for each, and the garbage text set
    aside. Lines in a script ``knows`` says the OCR cannot read are not sent to it."""
    set_aside = [SetAside(text=line.text, reason=SetAsideReason.garbage_layer, bbox=line.bbox) for line in bad]
    scripts = [unreadable_script(line, knows) if knows is not None else None for line in bad]
    routes: list[RegionRoute] = []
    for script in sorted({s for s in scripts if s}):
        lost = [line for line, s in zip(bad, scripts, strict=True) if s == script]
        reason = (f"{len(lost)} lines of unmapped glyphs in {script.title()} text, which the OCR models "
                  "do not read: set aside")
        routes += [RegionRoute(bbox=r, route=Route.failed, reason=reason) for r in garbage_regions(lost)]
    bad = [line for line, s in zip(bad, scripts, strict=True) if not s]
    if not bad:
        return [], routes, set_aside
    regions = garbage_regions(bad)
    reason = f"{len(bad)} lines of unmapped glyphs (no usable Unicode) in the text layer"
    if reader is None:
        return [], routes + [RegionRoute(bbox=r, route=Route.failed, reason=reason + "; OCR is off") for r in regions], set_aside
    try:
        lines = reader(page, regions)
    except Exception as exc:  # noqa: BLE001 - OCR trouble loses this region, never the page
        failed = f"{reason}; OCR failed: {exc}"
        return [], routes + [RegionRoute(bbox=r, route=Route.failed, reason=failed) for r in regions], set_aside
    for line in lines:
        _take_style(line, bad)
    return lines, routes + [RegionRoute(bbox=r, route=Route.ocr, reason=reason) for r in regions], set_aside


def _take_style(line: TextLine, bad: list[TextLine]) -> None:
    """Give an OCR line the font size and weight of the garbage line it overlaps most."""
    def overlap(other: TextLine) -> float:
        a, b = line.bbox, other.bbox
        return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    best = max(bad, key=overlap)
    if overlap(best) > 0:
        line.size, line.bold, line.italic = best.size, best.bold, best.italic
