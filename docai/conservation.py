"""Words of a page's text layer, and how many of them a conversion kept: the measure behind
``bench/coverage.py`` and the conservation test (every word in the markdown or in ``Page.set_aside``).

A word is a run of letters, digits and combining marks after accents drawn as glyphs of their own
are put on their letters (:func:`~docai.layout.accents.compose_accents`), NFKC
normalisation and lower-casing;
each CJK character (Han, kana, Hangul) is a word of its own, since those scripts do not mark word
breaks with spaces. In the text layer a word hyphenated across a line break (``exam-`` / ``ple``)
counts once: it is found in the output either whole (``example``) or as its two halves.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

import pymupdf

from docai.layout.accents import compose_accents
from schemas.document import Page

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_LINK_TARGET = re.compile(r"\]\([^)\s]*\)")
_EMPHASIS = re.compile(r"[*`]")
#: a hyphen (or soft hyphen) that ends a line, after a letter
_LINE_HYPHEN = re.compile(r"(?<=\w)[-\u00ad\u2010]\s*\n\s*(?=\w)")


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (0x3040 <= code <= 0x30FF or 0x3400 <= code <= 0x4DBF or 0x4E00 <= code <= 0x9FFF
            or 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F
            or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x2FA1F)


def _is_word_char(char: str) -> bool:
    return unicodedata.category(char)[0] in "LNM"


def words(text: str) -> list[str]:
    """The words of ``text``: NFKC, lower case, runs of letters/digits/marks, one per CJK character."""
    out: list[str] = []
    current: list[str] = []
    for char in unicodedata.normalize("NFKC", compose_accents(text)).lower():
        if _is_cjk(char):
            if current:
                out.append("".join(current))
                current = []
            out.append(char)
        elif _is_word_char(char):
            current.append(char)
        elif current:
            out.append("".join(current))
            current = []
    if current:
        out.append("".join(current))
    return out


@dataclass(frozen=True)
class LayerWords:
    """The words of a text layer: plain words, and words hyphenated across a line break as (head, tail)."""

    plain: list[str]
    split: list[tuple[str, str]]

    def __len__(self) -> int:
        return len(self.plain) + len(self.split)


def layer_words(text: str) -> LayerWords:
    """The words of a text layer such as ``page.get_text()``; ``exam-⏎ple`` is one word."""
    joined = _LINE_HYPHEN.sub("\x00", unicodedata.normalize("NFKC", compose_accents(text)))
    plain: list[str] = []
    pairs: list[tuple[str, str]] = []
    for piece_index, piece in enumerate(joined.split("\x00")):
        piece_words = words(piece)
        if piece_index > 0 and piece_words and plain:
            pairs.append((plain.pop(), piece_words.pop(0)))
        plain.extend(piece_words)
    return LayerWords(plain, pairs)


def markdown_words(markdown: str) -> list[str]:
    """The words of docai's (or a peer's) markdown: comments, link targets and emphasis marks left
    out (``ω*p*`` is one word, as printed)."""
    return words(_EMPHASIS.sub("", _LINK_TARGET.sub("]", _COMMENT.sub(" ", markdown))))


@dataclass(frozen=True)
class Coverage:
    """How many of the layer's words were found in the output, which were missed, and how many
    output words the layer does not have (added)."""

    layer: int
    found: int
    missing: list[str]
    added: int
    output: int

    @property
    def recall(self) -> float:
        return self.found / self.layer if self.layer else 1.0


def coverage(layer: LayerWords, output: list[str]) -> Coverage:
    """Multiset recall of ``layer`` in ``output``; a split word counts once, whole or as its halves."""
    pool = Counter(output)
    missing: list[str] = []
    broken: list[tuple[str, str]] = []
    for word in layer.plain:
        if pool[word] > 0:
            pool[word] -= 1
        else:
            missing.append(word)
    for head, tail in layer.split:
        if pool[head + tail] > 0:
            pool[head + tail] -= 1
        elif pool[head] > 0 and pool[tail] > 0:
            pool[head] -= 1
            pool[tail] -= 1
        else:
            broken.append((head, tail))
    missing = _resegment(missing, broken, pool)
    return Coverage(layer=len(layer), found=len(layer) - len(missing), missing=missing,
                    added=sum(pool.values()), output=len(output))


def _resegment(missing: list[str], broken: list[tuple[str, str]], pool: Counter[str]) -> list[str]:
    """The layer words still missing once words cut differently on the two sides are matched: an
    output word made of missing layer words (``for-`` ⏎ margin note ⏎ ``matting`` in the layer, kept
    as ``formatting``), or a missing layer word made of left-over output words (``THEPOWER`` printed
    with a gap, read as ``THE POWER``). A hyphenated pair not found whole is looked for as two words.
    Matched words are taken out of ``pool``."""
    lost = Counter(missing) + Counter(w for pair in broken for w in pair)
    if not lost or not +pool:
        return missing + [h + t for h, t in broken]
    for word in sorted(+pool, key=len, reverse=True):
        while pool[word] > 0 and (pieces := _split(word, lost)):
            pool[word] -= 1
            lost.subtract(pieces)
    for word in sorted(+lost, key=len, reverse=True):
        while lost[word] > 0 and (pool[word] > 0 or (pieces := _split(word, pool))):
            lost[word] -= 1
            pool.subtract([word] if pool[word] > 0 else pieces)
    still: list[str] = []
    for word in missing:
        if lost[word] > 0:
            still.append(word)
            lost[word] -= 1
    for head, tail in broken:
        if lost[head] > 0 or lost[tail] > 0:
            still.append(head + tail)
            lost[head] -= lost[head] > 0
            lost[tail] -= lost[tail] > 0
    return still


def _split(word: str, parts: Counter[str], limit: int = 4) -> list[str] | None:
    """``word`` as 2..``limit`` words available in ``parts`` (each as often as counted), or ``None``."""
    def search(rest: str, depth: int, used: Counter[str]) -> list[str] | None:
        if not rest:
            return [] if depth >= 2 else None
        if depth == limit:
            return None
        for end in range(len(rest), 0, -1):
            head = rest[:end]
            if parts[head] - used[head] > 0 and (depth > 0 or end < len(word)):
                used[head] += 1
                tail = search(rest[end:], depth + 1, used)
                if tail is not None:
                    return [head, *tail]
                used[head] -= 1
        return None

    return search(word, 0, Counter())


def page_layer(page: pymupdf.Page) -> LayerWords:
    """The words of a pymupdf page's text layer, as ``page.get_text()`` gives it."""
    return layer_words(page.get_text())


def kept_words(page: Page) -> list[str]:
    """Every word a converted page accounts for: its markdown and its set-aside text."""
    return markdown_words(page.markdown) + [w for item in page.set_aside for w in words(item.text)]
