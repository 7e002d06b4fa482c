"""Per-page routing: is the text layer good enough, or does the page need OCR (or a model)?

One ``get_text("dict")`` call per page (images left out) gives the text, word spaces and each span's
alpha, where 0 marks invisible text (render mode 3, the hidden layer OCR tools put over a scan). Only
a page with little visible text also asks for its image boxes, to tell a scan from a blank page.
The reason for every decision is recorded in the page JSON (``route_reason``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import pymupdf

from docai.ingest.source import PageContext
from docai.options import ConvertOptions
from schemas.document import Route

#: fewer non-space characters than this is no text layer at all
MIN_TEXT_CHARS = 16
#: with fewer visible characters than this, a page mostly covered by images is a scan
IMAGE_PAGE_MAX_CHARS = 100
#: share of the page area that images must cover for the page to count as a scan
IMAGE_COVER = 0.5
#: share of unmapped glyphs (U+FFFD, private use, control codes) that makes a text layer garbage
MAX_UNMAPPED = 0.1
#: a text layer needs at least this share of letters and digits among its non-space characters
MIN_ALNUM = 0.5
#: an invisible (OCR) layer needs at least this share of word-like tokens to be trusted
MIN_WORDLIKE = 0.6
#: fewer tokens than this are too few to judge word-likeness
MIN_TOKENS = 5

_DICT_FLAGS = pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_PRESERVE_LIGATURES | pymupdf.TEXT_MEDIABOX_CLIP
_TOKEN_STRIP = "\"'`.,;:!?()[]{}<>«»“”‘’-–—/\\*_#%&|"
_VOWELS = set("aeiouyAEIOUY")
_CONSONANT_RUN = re.compile(r"[b-df-hj-np-tv-xzB-DF-HJ-NP-TV-XZ]{5,}")
#: a character repeated (spaced or not), as in the dot leaders of a table of contents
_LEADER = re.compile(r"([^\w\s])(?:\s?\1){2,}")


#: a page whose garbage lines hold less than this share of its visible characters keeps its text
#: layer: only those lines' regions are read by OCR (see :func:`is_garbage_line`)
LOCAL_GARBAGE = 0.5


@dataclass
class TextLayer:
    """What a page's text layer holds: visible and invisible (render mode 3 / alpha 0) text, and the
    visible text line by line."""

    visible: str
    invisible: str
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.visible + "\n" + self.invisible


def route_page(ctx: PageContext, options: ConvertOptions) -> tuple[Route | str, str]:
    """The route for one page and the reason, in words, recorded in the page JSON."""
    if options.engine != "auto":
        return options.engine, f"forced by --engine {options.engine}"
    if ctx.source.is_image:
        return _fallback(options, "image input has no text layer")
    route, reason = classify_page(ctx.page)
    return _fallback(options, reason) if route is Route.ocr else (route, reason)


def classify_page(page: pymupdf.Page) -> tuple[Route, str]:
    """``Route.text`` or ``Route.ocr`` for a PDF page, with the reason."""
    layer = read_text_layer(page)
    visible, invisible = _count(layer.visible), _count(layer.invisible)
    if visible < IMAGE_PAGE_MAX_CHARS and (cover := image_cover(page)) >= IMAGE_COVER and invisible <= visible:
        return Route.ocr, f"image-only page: images cover {cover:.0%} of it and its text layer has {visible} characters"
    if invisible > visible:
        return _judge_invisible_layer(layer.invisible, invisible)
    total = visible + invisible
    if total < MIN_TEXT_CHARS:
        return Route.ocr, f"text layer has {total} characters"
    garbage = garbage_reason(layer.text)
    if garbage:
        bad = [line for line in layer.lines if is_garbage_line(line)]
        bad_chars = sum(_count(line) for line in bad)
        if bad and total - bad_chars >= MIN_TEXT_CHARS and bad_chars < LOCAL_GARBAGE * visible:
            return Route.text, (f"text layer has {total} characters; {len(bad)} lines ({bad_chars} characters) "
                                "of unmapped glyphs are read by OCR where it reads their script")
        return Route.ocr, f"text layer is garbage: {garbage}"
    return Route.text, f"text layer has {total} characters"


def is_garbage_line(text: str) -> bool:
    """A line of the text layer whose glyphs have no usable Unicode: at least :data:`MAX_UNMAPPED` of its
    characters are unmapped (U+FFFD, private use, control codes). A symbol-font bullet before a line of
    text is not enough."""
    chars = [c for c in text if not c.isspace()]
    unmapped = sum(1 for c in chars if _is_unmapped(c))
    return bool(chars) and unmapped / len(chars) >= MAX_UNMAPPED and (unmapped >= 2 or len(chars) <= 2)


def read_text_layer(page: pymupdf.Page) -> TextLayer:
    """The page's visible and invisible text, from one ``get_text("dict")`` call without images."""
    visible: list[str] = []
    invisible: list[str] = []
    lines: list[str] = []
    for block in page.get_text("dict", flags=_DICT_FLAGS)["blocks"]:
        for line in block.get("lines", ()):
            shown = [span["text"] for span in line["spans"] if span.get("alpha", 255) != 0]
            invisible.extend(span["text"] for span in line["spans"] if span.get("alpha", 255) == 0)
            visible.extend(shown)
            lines.append("".join(shown))
            visible.append("\n")
            invisible.append("\n")
    return TextLayer(visible=" ".join(visible), invisible=" ".join(invisible), lines=lines)


def image_cover(page: pymupdf.Page) -> float:
    """The share of the page (0-1) under its images (their clipped areas summed, at most 1)."""
    area = abs(page.rect)
    if not area:
        return 0.0
    boxes = [pymupdf.Rect(info["bbox"]) & page.rect for info in page.get_image_info()]
    areas = [abs(box) for box in boxes if not box.is_empty]
    return min(1.0, sum(areas) / area)


def garbage_reason(text: str) -> str:
    """Why a text layer is unusable (unmapped glyphs, mostly symbols), or ``""`` when it looks like text.
    Leaders (``. . . .``, ``____``) count as one character."""
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return ""
    unmapped = sum(1 for c in chars if _is_unmapped(c))
    if unmapped / len(chars) >= MAX_UNMAPPED:
        return f"{unmapped / len(chars):.0%} of its characters are unmapped glyphs (U+FFFD, private use, control codes)"
    chars = [c for c in _LEADER.sub(r"\1", text) if not c.isspace()]
    alnum = sum(1 for c in chars if c.isalnum())
    if alnum / len(chars) < MIN_ALNUM:
        return f"only {alnum / len(chars):.0%} of its characters are letters or digits"
    return ""


def wordlike_share(text: str) -> tuple[float, int]:
    """The share of tokens that look like words, and how many tokens were judged (numbers are skipped)."""
    tokens = [t.strip(_TOKEN_STRIP) for t in text.split()]
    judged = [t for t in tokens if t and not _is_number(t)]
    if not judged:
        return 0.0, 0
    return sum(1 for t in judged if _is_wordlike(t)) / len(judged), len(judged)


def _judge_invisible_layer(text: str, chars: int) -> tuple[Route, str]:
    garbage = garbage_reason(text)
    if garbage:
        return Route.ocr, f"invisible OCR layer is garbage: {garbage}"
    share, tokens = wordlike_share(text)
    if tokens < MIN_TOKENS:
        if chars < MIN_TEXT_CHARS:
            return Route.ocr, f"invisible OCR layer has {chars} characters"
        return Route.text, f"invisible OCR layer has {chars} characters"
    if share < MIN_WORDLIKE:
        return Route.ocr, f"invisible OCR layer of poor quality: {share:.0%} of {tokens} tokens look like words"
    return Route.text, f"invisible OCR layer of good quality: {share:.0%} of {tokens} tokens look like words"


def _count(text: str) -> int:
    return sum(1 for c in text if not c.isspace())


def _is_unmapped(char: str) -> bool:
    if char == "\ufffd":
        return True
    category = unicodedata.category(char)
    return category in ("Co", "Cn") or (category == "Cc" and char not in "\t\n\r")


def _is_number(token: str) -> bool:
    return all(c.isdigit() or c in ".,:+-$€£%" for c in token)


def _is_wordlike(token: str) -> bool:
    """Letters only, a plausible case pattern and, for ASCII words, a vowel and no long consonant run."""
    if not token.isalpha():
        return False
    if not (token.islower() or token.isupper() or (token[0].isupper() and token[1:].islower())):
        return False
    if not token.isascii():
        return True  # another script: letters in a sane case pattern are all we can judge
    if len(token) == 1:
        return token in "aAI"
    return bool(_VOWELS & set(token)) and not _CONSONANT_RUN.search(token)


def _fallback(options: ConvertOptions, reason: str) -> tuple[Route, str]:
    if options.engine_config("nougat").model:
        return Route.nougat, reason + "; nougat model configured"
    return Route.ocr, reason
