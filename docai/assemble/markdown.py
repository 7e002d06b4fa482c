"""The one markdown renderer: blocks → markdown."""

from __future__ import annotations

import re
from collections.abc import Iterable

from schemas.document import Block, BlockKind

_NUMBER = re.compile(r"(\d{1,9})[.)]")
#: kinds left out of markdown (kept in JSON)
FURNITURE = {BlockKind.header, BlockKind.footer}


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render_table(rows: list[list[str]]) -> str:
    """A GitHub markdown table; the first row is the header, short rows are padded."""
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    padded = [[_cell(c) for c in r] + [""] * (width - len(r)) for r in rows]
    lines = ["| " + " | ".join(padded[0]) + " |", "|" + "|".join(["---"] * width) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in padded[1:]]
    return "\n".join(lines)


def render_block(block: Block, list_index: int = 0) -> str:
    """One block as markdown (``list_index`` numbers ordered list items, from 1)."""
    kind = block.kind
    if kind is BlockKind.heading:
        return "#" * min(max(block.level or 1, 1), 6) + " " + block.text.strip()
    if kind is BlockKind.list:
        marker, label = list_marker(block, list_index)
        return "  " * (block.level or 0) + f"{marker} {label}{block.text.strip()}"
    if kind is BlockKind.table:
        if block.rows:
            return render_table(block.rows)
        return block.text.strip()
    if kind is BlockKind.figure:
        alt = block.text.strip()
        return f"<!-- image: {alt} -->" if alt else "<!-- image -->"
    if kind is BlockKind.caption:
        return f"*{block.text.strip()}*"
    if kind in FURNITURE:
        return block.text.strip()
    if kind is BlockKind.formula:
        return f"$$\n{block.text.strip()}\n$$"
    if kind is BlockKind.code:
        return f"```\n{block.text.rstrip()}\n```"
    return block.text.strip()


def list_marker(block: Block, list_index: int = 0) -> tuple[str, str]:
    """The markdown marker of a list item and the label kept in front of its text. A printed number
    (``3.``, ``3)``) is the marker as written; another label (``(a)``, ``iv.``) is kept in the text
    of a bulleted item, as printed; numbered items without a label are numbered from ``list_index``."""
    if not block.ordered:
        return "-", ""
    label = (block.marker or "").strip()
    if not label:
        return f"{list_index}.", ""
    number = _NUMBER.fullmatch(label)
    if number:
        return f"{int(number.group(1))}.", ""
    return "-", label + " "


def _list_indent(depth: int, widths: dict[int, int]) -> str:
    """Indentation that nests an item under its parents: the width of each parent's marker
    (``- `` is 2, ``10. `` is 4), as CommonMark requires."""
    return " " * sum(widths.get(parent, 2) for parent in range(depth))


def render_markdown(blocks: Iterable[Block], leave_out: set[BlockKind] = FURNITURE) -> str:
    """Markdown for blocks in reading order: paragraphs separated by blank lines, list items kept
    together (numbered per list), running headers and footers left out (``leave_out``)."""
    parts: list[str] = []
    list_run: list[str] = []
    counters: dict[int, int] = {}
    kinds: dict[int, bool] = {}
    widths: dict[int, int] = {}

    def flush() -> None:
        if list_run:
            parts.append("\n".join(list_run))
            list_run.clear()
            counters.clear()
            kinds.clear()
            widths.clear()

    for block in blocks:
        if block.kind in leave_out:
            continue
        if block.kind is BlockKind.list:
            depth = block.level or 0
            for deeper in [d for d in counters if d > depth]:
                del counters[deeper]
                kinds.pop(deeper, None)
                widths.pop(deeper, None)
            numbered = list_marker(block, 1)[0] != "-"
            if kinds.get(depth) is not numbered:  # bullets → numbers starts a new list
                counters[depth] = 0
                kinds[depth] = numbered
            counters[depth] = counters.get(depth, 0) + 1
            marker = list_marker(block, counters[depth])[0]
            widths[depth] = len(marker) + 1
            list_run.append(_list_indent(depth, widths) + render_block(block, counters[depth]).lstrip())
            continue
        flush()
        text = render_block(block)
        if text:
            parts.append(text)
    flush()
    return "\n\n".join(parts) + ("\n" if parts else "")
