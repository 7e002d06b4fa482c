"""Postprocessed Nougat markdown → :class:`schemas.document.Block` s for the one renderer.

Nougat writes a markdown dialect (``.mmd``): ``#`` headings, ``*`` list items nested with tabs,
``\\[..\\]`` display math, ``\\(..\\)`` inline math, LaTeX ``table``/``tabular`` environments, code
fences and ``Figure n:``/``Table n:`` captions. Display math becomes a formula block (LaTeX without
delimiters), simple tables become rows, the rest keeps its inline markdown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from docai.engines.nougat.tables import is_table_start, table_env, tabular_rows
from schemas.document import Block, BlockKind

_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_LIST = re.compile(r"^(?P<indent>[\t ]*)(?P<marker>[*\-+•]|\d{1,3}[.)])\s+(?P<text>.*)$")
_CAPTION = re.compile(r"^(?:Figure|Fig\.|Table|Tab\.)\s*[\dIVXivx]+[.:]")
_DISPLAY_MATH = re.compile(r"\\\[(.+?)\\\]", re.S)


def mmd_to_blocks(text: str) -> list[Block]:
    """Blocks in reading order for one page of postprocessed Nougat markdown."""
    lines = text.split("\n")
    blocks: list[Block] = []
    paragraph: list[str] = []
    i = 0

    def flush() -> None:
        if paragraph:
            blocks.extend(_paragraph_blocks(" ".join(line.strip() for line in paragraph)))
            paragraph.clear()

    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("```"):
            flush()
            block, i = _code_block(lines, i)
            blocks.append(block)
            continue
        if is_table_start(stripped):
            flush()
            block, i = _table_block(lines, i)
            blocks.append(block)
            continue
        if stripped.startswith("\\[") and "\\]" not in stripped:
            flush()
            end = _find(lines, i + 1, "\\]")
            paragraph.extend(lines[i:end + 1])
            flush()
            i = end + 1
            continue
        if not stripped:
            flush()
        elif (heading := _HEADING.match(stripped)) is not None:
            flush()
            blocks.append(Block(kind=BlockKind.heading, text=heading.group(2).strip(), level=len(heading.group(1))))
        elif (item := _LIST.match(line)) is not None and not stripped.startswith("**"):
            flush()
            blocks.append(_list_block(item))
        else:
            paragraph.append(line)
        i += 1
    flush()
    return blocks


def _find(lines: list[str], start: int, marker: str) -> int:
    """Index of the first line from ``start`` containing ``marker`` (the last line if none does)."""
    for j in range(start, len(lines)):
        if marker in lines[j]:
            return j
    return len(lines) - 1


def _code_block(lines: list[str], i: int) -> tuple[Block, int]:
    first = lines[i].strip()[3:]
    if first.endswith("```") and first.strip("`").strip():
        return Block(kind=BlockKind.code, text=first[:-3].strip()), i + 1
    end = len(lines)
    for j in range(i + 1, len(lines)):
        if lines[j].strip().startswith("```"):
            end = j
            break
    body = ([first] if first.strip() else []) + lines[i + 1:end]
    return Block(kind=BlockKind.code, text="\n".join(body).rstrip()), end + 1


def _table_block(lines: list[str], i: int) -> tuple[Block, int]:
    env = table_env(lines[i])
    end = _find(lines, i, f"\\end{{{env}}}")
    latex = "\n".join(lines[i:end + 1]).strip()
    rows = tabular_rows(latex)
    if rows is not None:
        return Block(kind=BlockKind.table, rows=rows), end + 1
    return Block(kind=BlockKind.table, text=latex), end + 1


def _list_block(item: re.Match) -> Block:
    indent = item.group("indent")
    level = indent.count("\t") + indent.count(" ") // 2
    marker = item.group("marker")
    return Block(kind=BlockKind.list, text=item.group("text").strip(), level=level,
                 ordered=marker[0].isdigit())


def _paragraph_blocks(text: str) -> Iterator[Block]:
    """A paragraph, split where it holds display math; captions get their own kind."""
    position = 0
    for match in _DISPLAY_MATH.finditer(text):
        yield from _prose(text[position:match.start()])
        formula = match.group(1).strip()
        if formula:
            yield Block(kind=BlockKind.formula, text=formula)
        position = match.end()
    yield from _prose(text[position:])


def _prose(text: str) -> Iterator[Block]:
    text = text.strip()
    if text:
        kind = BlockKind.caption if _CAPTION.match(text) else BlockKind.paragraph
        yield Block(kind=kind, text=text)
