"""A page's text layer (pymupdf ``dict``) → visual lines (:class:`docai.layout.TextLine`).

pymupdf reports a line per text run it saw; a visual line may be several of them (a bullet and
its text, a word set in another font, a superscript). They are merged here when they sit on the
same row close to each other, and text drawn twice for a fake-bold effect is kept once.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import pymupdf

from docai.engines.textlayer.frames import Frame, union_box
from docai.engines.textlayer.links import PageLinks
from docai.engines.textlayer.overprint import drop_copies, overprinted
from docai.engines.textlayer.spans import Run, render_runs, run_from_span
from docai.layout.lines import TextLine
from docai.layout.lists import split_marker

#: white space kept, ligatures expanded, text outside the page dropped, no image data
TEXT_FLAGS = pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_MEDIABOX_CLIP | pymupdf.TEXT_CID_FOR_UNKNOWN_UNICODE
#: a caption's label, often set apart from its number ("Table  1.  HPO performed ...")
_CAPTION_LABEL = re.compile(r"^(table|figure|fig\.|tab\.|algorithm|listing|chart|plate)$", re.IGNORECASE)
_SECTION_NUMBER = re.compile(r"^(\d{1,2}(\.\d{1,2}){0,3}\.?|[A-Z]\.(\d{1,2}\.?)*|[IVX]{1,4}\.)$")
#: pieces of one visual line are at most this many font sizes apart (some column gutters are 0.9)
MERGE_GAP = 0.6
#: ... or this many between two monospaced pieces (code aligned with runs of spaces)
CODE_GAP = 4.0
#: a run of capitals this long without a space may be words placed apart without space characters
_GLUED = re.compile(r"[A-Z]{8,}")
#: a gap between two glyphs this many font sizes wide (and wider than the letter spacing) is a word space
WORD_GAP = 0.12
#: how many recent rows a fragment may join (rows further up are finished)
_RECENT_ROWS = 12


@dataclass
class Fragment:
    """One pymupdf line: its box, dominant font size and styled runs."""

    bbox: tuple[float, float, float, float]
    size: float
    runs: list[Run]

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)

    @property
    def mono(self) -> bool:
        return all(r.mono for r in self.runs if r.text.strip())


@dataclass
class Row:
    """Fragments merged into one visual line, left to right."""

    fragments: list[Fragment] = field(default_factory=list)
    bbox: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)

    def add(self, frag: Fragment, *, before: bool = False) -> None:
        if before:
            self.fragments.insert(0, frag)
        else:
            self.fragments.append(frag)
        self.bbox = union_box(f.bbox for f in self.fragments)


def text_lines(page: pymupdf.Page, textpage: pymupdf.TextPage | None = None,
               copies: list[tuple[str, tuple[float, float, float, float]]] | None = None) -> list[dict]:
    """The page's pymupdf text lines (``dict`` output, image blocks left out), every direction; glyphs
    drawn again at the same spot taken out (:mod:`.overprint`; the copies go to ``copies``, boxes
    on the unrotated page); glued capitals get back the spaces their glyph positions show
    (:func:`respace`)."""
    lines = _lines(page.get_text("dict", flags=TEXT_FLAGS, textpage=textpage))
    raw = None
    if overprinted(lines):
        raw = _lines(page.get_text("rawdict", flags=TEXT_FLAGS, textpage=textpage))
        lines, raw, found = drop_copies(lines, raw)
        if copies is not None:
            copies += found
    if any(_GLUED.search(span["text"]) for line in lines if _horizontal(line) for span in line["spans"]):
        raw = raw or _lines(page.get_text("rawdict", flags=TEXT_FLAGS, textpage=textpage))
        for line, raw_line in zip(lines, raw, strict=False):
            if not _horizontal(line):
                continue
            for span, raw_span in zip(line["spans"], raw_line["spans"], strict=False):
                if _GLUED.search(span["text"]):
                    span["text"] = respace(span["text"], raw_span["chars"], span["size"])
    return lines


def respace(text: str, chars: list[dict], size: float) -> str:
    """A span's ``text`` with a space wherever its glyphs (pymupdf ``rawdict`` chars) show a gap wider
    than the span's letter spacing between two letters: words set apart by positioning instead of
    space characters ("THE POWER OF STORYTELLING", not "THEPOWER OFSTORYTELLING"). ``text`` comes
    back unchanged where its characters do not match the glyphs one for one."""
    glyphs = [c for c in chars if c["c"].strip()]
    if len(glyphs) != sum(1 for c in text if c.strip()) or len(glyphs) < 2:
        return text
    gaps = sorted(b["bbox"][0] - a["bbox"][2] for a, b in zip(glyphs, glyphs[1:], strict=False))
    wide = max(WORD_GAP * size, gaps[len(gaps) // 2] + 0.1 * size)
    out: list[str] = []
    k = -1
    for char in text:
        if char.strip():
            if k >= 0 and out and out[-1].strip() and glyphs[k + 1]["bbox"][0] - glyphs[k]["bbox"][2] >= wide:
                out.append(" ")
            k += 1
        out.append(char)
    return "".join(out)


def _lines(page_dict: dict) -> list[dict]:
    return [line for block in page_dict["blocks"] if block.get("type") == 0 for line in block["lines"]]


def _horizontal(line: dict) -> bool:
    return line["dir"][0] > 0.99


def read_fragments(lines: list[dict], links: PageLinks, frame: Frame | None = None) -> list[Fragment]:
    """Fragments with their styled runs from pymupdf lines (all of one direction), their boxes in
    ``frame`` coordinates (the unrotated page when ``None``)."""
    fragments = []
    for line in lines:
        runs, sizes = [], Counter()
        for span in line["spans"]:
            if not span["text"]:
                continue
            runs.append(run_from_span(span, links.at(span["bbox"]) if links else None))
            sizes[round(span["size"], 1)] += len(span["text"].strip())
        if runs and any(r.text.strip() for r in runs):
            bbox = tuple(line["bbox"]) if frame is None else frame.to_frame(tuple(line["bbox"]))
            fragments.append(Fragment(bbox, sizes.most_common(1)[0][0], runs))
    return fragments


def merge_rows(fragments: list[Fragment], duplicates: list[Fragment] | None = None) -> list[Row]:
    """Fragments on the same row and near each other → one :class:`Row` each; text drawn twice at
    one place is kept once (the second copy goes to ``duplicates``)."""
    rows: list[Row] = []
    for band in _bands(fragments):
        for frag in sorted(band, key=lambda f: f.bbox[0]):  # left to right, whatever the baseline jitter
            if not _attach(rows, frag, duplicates):
                row = Row()
                row.add(frag)
                rows.append(row)
    return rows


def _bands(fragments: list[Fragment]) -> list[list[Fragment]]:
    """Fragments cut into horizontal bands (top to bottom) of pieces that overlap the band's first piece
    by half a line, so pieces of one line are visited left to right even when their tops differ by a hair."""
    bands: list[list[Fragment]] = []
    for frag in sorted(fragments, key=lambda f: (f.bbox[1], f.bbox[0])):
        if bands:
            first = bands[-1][0]
            overlap = min(first.bbox[3], frag.bbox[3]) - max(first.bbox[1], frag.bbox[1])
            if overlap >= 0.5 * max(0.5, min(first.bbox[3] - first.bbox[1], frag.bbox[3] - frag.bbox[1])):
                bands[-1].append(frag)
                continue
        bands.append([frag])
    return bands


def _attach(rows: list[Row], frag: Fragment, duplicates: list[Fragment] | None) -> bool:
    x0, y0, x1, y1 = frag.bbox
    for row in reversed(rows[-_RECENT_ROWS:]):
        rx0, ry0, rx1, ry1 = row.bbox
        overlap = min(ry1, y1) - max(ry0, y0)
        if overlap < 0.5 * max(0.5, min(ry1 - ry0, y1 - y0)):
            continue
        if _duplicate(row, frag):
            if duplicates is not None:
                duplicates.append(frag)
            return True
        last = row.fragments[-1]
        reach = frag.size * (3.0 if _lead_in(last.text) else CODE_GAP if last.mono and frag.mono else MERGE_GAP)
        if -0.3 * frag.size <= x0 - rx1 <= reach:
            row.add(frag)
            return True
        if -0.3 * frag.size <= rx0 - x1 <= frag.size * (3.0 if _lead_in(frag.text) else MERGE_GAP):
            row.add(frag, before=True)
            return True
    return False


def _lead_in(text: str) -> bool:
    """A bullet, list number, section number or caption label, which may stand far from the text it leads."""
    text = text.strip()
    return len(text) <= 9 and (bool(_SECTION_NUMBER.match(text) or _CAPTION_LABEL.match(text))
                               or split_marker(text + " x") is not None)


def _duplicate(row: Row, frag: Fragment) -> bool:
    """The same text drawn again at (almost) the same place: fake bold or a shadow."""
    text = frag.text.strip()
    return any(
        f.text.strip() == text and all(abs(a - b) < 1.5 for a, b in zip(f.bbox, frag.bbox, strict=True))
        for f in row.fragments
    )


def row_line(row: Row) -> TextLine | None:
    """A :class:`TextLine` with inline markdown for one row (``None`` if it holds no text)."""
    runs: list[Run] = []
    sizes: Counter[float] = Counter()
    prev: Fragment | None = None
    rtl = is_rtl("".join(f.text for f in row.fragments))
    fragments = sorted(row.fragments, key=lambda f: -f.bbox[2]) if rtl else row.fragments
    for frag in fragments:
        gap = (prev.bbox[0] - frag.bbox[2]) if rtl and prev else (frag.bbox[0] - prev.bbox[2]) if prev else 0.0
        if (prev is not None and gap > 0.12 * frag.size
                and not prev.text.endswith(" ") and not frag.text.startswith(" ")):
            runs.append(Run(" "))
        runs.extend(frag.runs)
        sizes[frag.size] += len(frag.text.strip())
        prev = frag
    styled = render_runs(runs)
    if not styled.text:
        return None
    return TextLine(text=styled.text, bbox=row.bbox, size=sizes.most_common(1)[0][0],
                    bold=styled.bold, italic=styled.italic, mono=styled.mono)


def is_rtl(text: str) -> bool:
    """Mostly Hebrew or Arabic letters: pieces of the line are read right to left."""
    rtl = sum(1 for c in text if "\u0590" <= c <= "\u08ff" or "\ufb1d" <= c <= "\ufefc")
    return rtl > 0 and rtl >= sum(1 for c in text if c.isalpha()) / 2


def row_lines(fragments: list[Fragment], duplicates: list[Fragment] | None = None) -> list[TextLine]:
    """Visual lines (in no particular order) from one direction's fragments."""
    lines = (row_line(row) for row in merge_rows(fragments, duplicates))
    return [line for line in lines if line is not None]
