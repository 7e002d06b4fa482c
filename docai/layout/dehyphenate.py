"""Joining the lines of a paragraph back into running text, undoing end-of-line hyphenation."""

from __future__ import annotations

import re

SOFT_HYPHEN = "\u00ad"
_HYPHENS = ("-", "\u2010", "\u00ac", SOFT_HYPHEN)
_WORD_BEFORE = re.compile(r"([\w\-\u2010]+)$")
_ADJACENT_EMPHASIS = re.compile(r"(?<=[^\s*])(\*{1,3}) \1(?=[^\s*])")  # "*a* *b*" → "*a b*"
_TRAILING_MARKS = re.compile(r"(\*{1,3})$")
_STARTS_LOWER = re.compile(r"^[\*_\[]*[a-zà-öø-ÿ]")


def join_lines(lines: list[str]) -> str:
    """Lines of one paragraph → one string.

    A word broken at a line end (``infor-`` / ``mation``) is joined without its hyphen; a hyphen
    that belongs to the word (``state-of-the-`` / ``art``, ``COVID-`` / ``19``) is kept and the
    parts are joined without a space. Soft hyphens are removed wherever they are.
    """
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if not out:
            out = line
            continue
        out = _join(out, line)
    return _ADJACENT_EMPHASIS.sub(" ", out.replace(SOFT_HYPHEN, ""))


def _join(before: str, after: str) -> str:
    marks = _TRAILING_MARKS.search(before)
    if marks and after.startswith(marks.group(1)) and before[: marks.start(1)].endswith(_HYPHENS):
        # "*infor-*" / "*mation*": the emphasis runs on across the break, so the word is joined inside it
        size = len(marks.group(1))
        return _join(before[:-size], after[size:])
    if not before.endswith(_HYPHENS) or len(before) < 2 or not before[-2].isalpha():
        return before + " " + after
    hyphen = before[-1]
    stem = before[:-1]
    if hyphen in (SOFT_HYPHEN, "\u00ac"):
        return stem + after
    word = _WORD_BEFORE.search(stem)
    compound = word is not None and ("-" in word.group(1) or "\u2010" in word.group(1))
    if _STARTS_LOWER.match(after) and not compound:
        return stem + after
    return before + after
