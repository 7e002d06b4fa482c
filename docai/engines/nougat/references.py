"""Removal of hallucinated reference lists (the original's ``remove_hallucinated_references``).

Nougat sometimes invents a long run of near-identical reference lines (``* [12] A. B. ...``) where
a page's references were unreadable or missing. A run of more than 15 lines that match their
neighbours (ignoring digits) at a similarity above 0.9 is replaced by ``[MISSING_PAGE_POST]``.
"""

from __future__ import annotations

import re

from rapidfuzz.fuzz import ratio as _ratio_percent

MISSING_POST = "[MISSING_PAGE_POST]"
_SIMILAR = 0.9
_MIN_RUN = 15


def similarity(a: str, b: str) -> float:
    """Normalised indel similarity of two strings, 0-1 (``rapidfuzz.fuzz.ratio`` / 100, as the original)."""
    return _ratio_percent(a, b) / 100


def strip_numbers(line: str) -> str:
    """``line`` without digits, underscores and bold markers (how reference lines are compared)."""
    return re.sub(r"(?:[\d_]|\*\*)", "", line).strip()


def repeated_runs(lines: list[str], clean: list[str]) -> list[tuple[int, int]]:
    """``(start, end)`` line ranges of suspicious runs of near-identical lines longer than 15."""
    marked = [False] * len(lines)
    for i in range(len(lines) - 1):
        j = i + 1
        while not clean[j] and j < len(lines) - 1:
            j += 1
        a, b = clean[i], clean[j]
        if (3 < len(a) < 200 and 3 < len(b) < 200 and not a.startswith("[MISSING_PAGE")
                and (a == b or similarity(a, b) > _SIMILAR)):
            for k in range(i, j):
                marked[k] = True
    ids = [i for i, m in enumerate(marked) if m]
    if not ids:
        return []
    runs, first = [], 0
    for k in range(1, len(ids)):
        if ids[k] - ids[k - 1] > 3:
            runs.append((ids[first], ids[k - 1] + 2))
            first = k
    runs.append((ids[first], ids[-1] + 2))
    return [(a, b) for a, b in runs if b - a > _MIN_RUN]


def run_text(lines: list[str], clean: list[str], run: tuple[int, int]) -> str:
    """The exact text of a run to delete, widened to the run's true start and end as the original does."""
    base = clean[run[0]]
    start, end = run
    check_start = False
    for i in range(max(0, run[0] - 1), max(0, run[0] - 5), -1):  # look back at most 4 lines
        if not lines[i]:
            continue
        if lines[i] == "## References":
            start = i
            break
        if similarity(base, strip_numbers(lines[i])) < _SIMILAR:
            start = i + 1
            previous = strip_numbers(lines[max(0, i - 1)].partition("* [")[-1])
            if len(previous) >= 0.75 * len(base) and similarity(base, previous) < _SIMILAR:
                start = i
            check_start = True
            break
    for i in range(min(len(lines), run[1]), min(len(lines), run[1] + 5)):  # look ahead at most 5 lines
        if similarity(base, strip_numbers(lines[i])) < _SIMILAR:
            end = i
            break
    end = min(end, len(lines) - 1)
    text = "\n".join(lines[start:end + 1])
    common = _common_prefix_ignoring_digits(lines[end - 1], lines[end])
    if check_start and "* [" in text:
        text = "* [" + text.partition("* [")[-1]
    if common is not None:
        cut = len(lines[end]) - common - 1
        if cut > 0:
            text = text[:-cut]
    return text.strip()


def _common_prefix_ignoring_digits(a: str, b: str) -> int | None:
    """The last index of ``b`` read while comparing ``a`` and ``b`` character by character, digits
    skipped, up to their first difference (``None``: nothing of ``b`` was read). The original uses it to
    keep the start of the next page's content that got glued to the last repeated line."""
    ia = ib = 0
    last_b = None
    while True:
        while ia < len(a) and a[ia].isnumeric():
            ia += 1
        if ia >= len(a):
            return last_b
        char_a = a[ia]
        ia += 1
        while ib < len(b) and b[ib].isnumeric():
            last_b = ib
            ib += 1
        if ib >= len(b):
            return last_b
        char_b = b[ib]
        last_b = ib
        ib += 1
        if char_a != char_b:
            return last_b


def remove_hallucinated_references(text: str) -> str:
    """Replace invented runs of reference lines with ``[MISSING_PAGE_POST]``."""
    lines = text.split("\n")
    clean = [strip_numbers(line) for line in lines]
    deletions = [run_text(lines, clean, run) for run in repeated_runs(lines, clean)]
    for chunk in reversed(deletions):
        if chunk:
            text = text.replace(chunk, f"\n\n{MISSING_POST}\n\n")
    return re.sub(r"## References\n+\[MISSING_PAGE_POST(:\d+)?\]", "\n\n[MISSING_PAGE_POST\\1]", text)
