"""Tables without ruling lines: rows of words whose left edges line up in three or more columns.

Prose lines share at most their left margin (and list items their bullet and text edges), so
three or more word edges common to three or more consecutive rows, with few words per column,
mark a borderless table.
Monospaced text (code aligned on its character grid) is left out. Costs one ``get_text("words")``.
"""

from __future__ import annotations

from collections.abc import Sequence

import pymupdf

from docai.engines.textlayer.frames import Frame
from docai.engines.textlayer.tables import frame_words
from schemas.document import Block, BlockKind

BBox = tuple[float, float, float, float]
Word = tuple  # pymupdf word: x0, y0, x1, y1, text, block, line, word

#: word edges within this many points are one column edge
SNAP = 1.5
MIN_COLUMNS = 3
MIN_ROWS = 3


def word_rows(words: Sequence[Word]) -> list[list[Word]]:
    """Words grouped into rows (vertical overlap), top to bottom, each row left to right."""
    rows: list[list[Word]] = []
    for word in sorted(words, key=lambda w: ((w[1] + w[3]) / 2, w[0])):
        centre = (word[1] + word[3]) / 2
        if rows:
            last = rows[-1]
            top, bottom = min(w[1] for w in last), max(w[3] for w in last)
            if top <= centre <= bottom:
                last.append(word)
                continue
        rows.append([word])
    return [sorted(r, key=lambda w: w[0]) for r in rows]


def _edges(row: list[Word]) -> list[float]:
    return [w[0] for w in row]


def _common(edges: list[float], row: list[Word]) -> list[float]:
    """The edges that the row's words also start at (within :data:`SNAP` points)."""
    starts = _edges(row)
    return [e for e in edges if any(abs(e - x) <= SNAP for x in starts)]


def aligned_runs(rows: list[list[Word]]) -> list[tuple[list[list[Word]], list[float]]]:
    """Runs of consecutive, closely spaced rows whose words all start at the same
    :data:`MIN_COLUMNS` or more edges, with those edges."""
    runs: list[tuple[list[list[Word]], list[float]]] = []
    current: list[list[Word]] = []
    edges: list[float] = []
    for row in rows:
        if current:
            prev = current[-1]
            height = max(w[3] - w[1] for w in prev)
            close = min(w[1] for w in row) - max(w[3] for w in prev) < 1.5 * height
            shared = _common(edges, row) if close else []
            if len(shared) >= MIN_COLUMNS:
                current.append(row)
                edges = shared
                continue
            if len(current) >= MIN_ROWS:
                runs.append((current, edges))
        current, edges = [row], _edges(row)
    if len(current) >= MIN_ROWS:
        runs.append((current, edges))
    return runs


def run_table(run: list[list[Word]], columns: list[float]) -> Block | None:
    """A table block from a run of aligned rows, or ``None`` if it reads like prose (many words
    per column) rather than cells."""
    columns = sorted(columns)
    words = [w for row in run for w in row]
    if len(words) > 2.5 * len(columns) * len(run):
        return None
    rows = []
    for row in run:
        cells: list[list[str]] = [[] for _ in columns]
        for word in row:
            k = max((i for i, x in enumerate(columns) if x <= word[0] + SNAP), default=0)
            cells[k].append(word[4])
        rows.append([" ".join(c) for c in cells])
    bbox = (min(w[0] for w in words), min(w[1] for w in words), max(w[2] for w in words), max(w[3] for w in words))
    return Block(kind=BlockKind.table, rows=rows, bbox=bbox)


def aligned_tables(page: pymupdf.Page, skip: Sequence[BBox], textpage: pymupdf.TextPage | None = None,
                   frame: Frame | None = None, within: BBox | None = None) -> list[Block]:
    """Borderless tables of the page read in ``frame`` (boxes in its coordinates; only words inside
    ``within`` if given); words inside ``skip`` (found tables, code lines) are ignored."""
    words = [w for w in frame_words(page, frame, textpage)
             if not any(_inside(w, box) for box in skip) and (within is None or _inside(w, within))]
    tables = []
    for run, columns in aligned_runs(word_rows(words)):
        block = run_table(run, columns)
        if block is not None:
            tables.append(block)
    return tables


def _inside(word: Word, box: BBox) -> bool:
    cx, cy = (word[0] + word[2]) / 2, (word[1] + word[3]) / 2
    return box[0] <= cx <= box[2] and box[1] <= cy <= box[3]
