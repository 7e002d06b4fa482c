"""Accents drawn as glyphs of their own, put back on their letters.

TeX and some other producers draw an accent as a separate glyph over its letter, so the text layer
reads ``Ageˆncia``, ``Aviac¸a˜o`` or ``¯p`` (a spacing accent next to the letter, on either side), and
some producers store decomposed text (``e`` + U+0301). Each accent becomes the combining mark of
the letter it stands by — the letter before it, unless only the letter after it takes that accent
as one precomposed character (or there is no letter before it) — and the text is NFC-composed: ``Agência``, ``Aviação``, ``p̄``. The word metric
(:mod:`docai.conservation`) reads both sides through the same function.
"""

from __future__ import annotations

import unicodedata

#: spacing accents → their combining marks (the grave accent ` is left alone: it is markdown code)
SPACING = {
    "\u00b4": "\u0301", "\u02ca": "\u0301", "\u02cb": "\u0300", "\u00a8": "\u0308", "\u02c6": "\u0302",
    "\u02dc": "\u0303", "\u00b8": "\u0327", "\u00af": "\u0304", "\u02c9": "\u0304", "\u02d8": "\u0306",
    "\u02d9": "\u0307", "\u02da": "\u030a", "\u02dd": "\u030b", "\u02c7": "\u030c", "\u02db": "\u0328",
}


def _is_combining(char: str) -> bool:
    return "\u0300" <= char <= "\u036f"


def _composes(letter: str, mark: str) -> bool:
    """``letter`` + ``mark`` is one precomposed character (``e`` + ogonek is ``ę``; ``J`` + ogonek is not)."""
    return len(unicodedata.normalize("NFC", letter + mark)) == 1


def compose_accents(text: str) -> str:
    """``text`` with spacing accents and stray combining marks attached to their letters, NFC."""
    if not any(c in SPACING or _is_combining(c) for c in text):
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        mark = SPACING.get(char) or (char if _is_combining(char) else None)
        before = out[-1] if out and out[-1].isalpha() else ""
        after = text[i + 1] if i + 1 < len(text) and text[i + 1].isalpha() else ""
        if mark is None:
            out.append(char)
        elif before and (_composes(before, mark) or not (after and _composes(after, mark))):
            out.append(mark)  # the letter before it (TeX: "Ageˆncia")
        elif after:
            out += [after, mark]  # the letter after it ("J˛edrzej", "¯x")
            i += 1
        else:
            out.append(char)  # an accent on its own (a diaeresis used as a symbol)
        i += 1
    return unicodedata.normalize("NFC", "".join(out))
