"""Glyphs drawn twice at (nearly) the same spot: fake bold, an outline over a fill, a shadow.

Some producers draw a title several times, a fraction of a point apart, and cut each copy into
different pieces ("2011" three times, then "2011 年年度报告" once), so whole pieces cannot be
compared. Here every glyph is compared: a glyph whose character already stands within
:data:`NEAR` of its font size of the same spot is a copy; it is taken out of its span and kept
aside, so the text is read once and the copies can be recorded as set aside.

Costs nothing on pages without overlapping spans of the same text (the usual case): only those
pages are read again at glyph level (``rawdict``).
"""

from __future__ import annotations

from collections import defaultdict

from docai.engines.textlayer.frames import union_box

BBox = tuple[float, float, float, float]

#: a copy's glyph stands within this share of the font size of the first one (plus a little)
NEAR = 0.1
_SLACK = 0.3
#: glyph positions are hashed in cells of this many points (a copy is looked for in the 3 x 3 cells around)
_CELL = 3.0


def overprinted(lines: list[dict]) -> bool:
    """Whether two spans of ``lines`` (pymupdf ``dict`` lines) start with the same character at
    (nearly) the same place: the cheap test before :func:`drop_copies`."""
    seen: dict[tuple[str, int, int], list[tuple[float, float, int]]] = defaultdict(list)
    for line in lines:
        for span in line["spans"]:
            text = span["text"].lstrip()
            if not text:
                continue
            x, y = span["origin"]
            if len(text) < len(span["text"]):  # the first visible glyph is not at the origin
                x, y = span["bbox"][0], span["origin"][1]
            tol = NEAR * span["size"] + _SLACK
            if _seen_near(seen, text[0], (x, y), tol, -1):
                return True
            seen[_key(text[0], x, y)].append((x, y, 0))
    return False


def drop_copies(lines: list[dict], raw: list[dict]) -> tuple[list[dict], list[dict], list[tuple[str, BBox]]]:
    """``lines`` (pymupdf ``dict``) and ``raw`` (the same lines from ``rawdict``) without the glyphs
    that repeat one already drawn at the same spot; lines left without text are dropped from both.
    Also returns the copies taken out, as runs of text with their boxes (unrotated page).

    Longer spans are kept first, so where a producer draws some glyphs of a line and then the whole
    line over them, the whole line is read and the partial copy set aside."""
    seen: dict[tuple[str, int, int], list[tuple[float, float, int]]] = defaultdict(list)
    copies: list[tuple[str, BBox]] = []
    spans = [(i, j) for i, line in enumerate(lines) for j, _ in enumerate(line["spans"])]
    spans = [(k, i, j) for k, (i, j) in enumerate(sorted(spans, key=lambda t: -len(lines[t[0]]["spans"][t[1]]["text"].strip())))]
    for k, i, j in spans:  # k: a copy is drawn separately, glyphs of one span (a ligature's) are never copies
        span, raw_span = lines[i]["spans"][j], raw[i]["spans"][j]
        tol = NEAR * span["size"] + _SLACK
        chars, run = [], []
        for char in raw_span["chars"]:
            c = char["c"]
            if c.strip() and _seen_near(seen, c, char["origin"], tol, k):
                run.append(char)
                continue
            if run and not c.strip():  # a space inside a copied run: kept, and in the copy's text
                run.append(char)
            elif run:
                copies.append(_piece(run))
                run = []
            chars.append(char)
            if c.strip():
                x, y = char["origin"]
                seen[_key(c, x, y)].append((x, y, k))
        if run:
            copies.append(_piece(run))
        if len(chars) < len(raw_span["chars"]):
            raw_span["chars"] = chars
            span["text"] = "".join(ch["c"] for ch in chars)
            visible = [ch["bbox"] for ch in chars if ch["c"].strip()]
            if visible:
                span["bbox"] = union_box(visible)
    kept_lines, kept_raw = [], []
    for line, raw_line in zip(lines, raw, strict=True):
        kept = [j for j, span in enumerate(line["spans"]) if span["text"].strip()]
        if not kept:
            continue
        if len(kept) < len(line["spans"]):
            line["spans"] = [line["spans"][j] for j in kept]
            raw_line["spans"] = [raw_line["spans"][j] for j in kept]
        line["bbox"] = union_box([s["bbox"] for s in line["spans"]])
        kept_lines.append(line)
        kept_raw.append(raw_line)
    return kept_lines, kept_raw, copies


def _key(c: str, x: float, y: float) -> tuple[str, int, int]:
    return c, round(x / _CELL), round(y / _CELL)


def _seen_near(seen: dict, c: str, origin: tuple[float, float], tol: float, span: int) -> bool:
    """``c`` was drawn within ``tol`` of ``origin`` before, by another span than ``span``."""
    x, y = origin
    _, rx, ry = _key(c, x, y)
    return any(abs(ox - x) <= tol and abs(oy - y) <= tol and other != span
               for kx in (-1, 0, 1) for ky in (-1, 0, 1) for ox, oy, other in seen.get((c, rx + kx, ry + ky), ()))


def _piece(chars: list[dict]) -> tuple[str, BBox]:
    return "".join(ch["c"] for ch in chars).strip(), union_box([ch["bbox"] for ch in chars if ch["c"].strip()])

