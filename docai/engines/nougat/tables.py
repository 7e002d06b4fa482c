"""LaTeX tables from Nougat → cell rows, when they are simple enough to be a markdown table."""

from __future__ import annotations

import re

_RULES = re.compile(r"\\(?:hline|toprule|midrule|bottomrule|hhline\{[^}]*\}|cline\{[^}]*\}|cmidrule(?:\([^)]*\))?\{[^}]*\})")
_NOT_SIMPLE = ("\\multicolumn", "\\multirow", "\\diagbox")
_TABULAR = re.compile(r"\\begin\{tabular\*?\}(?:\{[^{}]*\})?\{((?:[^{}]|\{[^{}]*\})*)\}(.*?)\\end\{tabular\*?\}", re.S)
_ROW_SEP = re.compile(r"\\\\(?:\[[^\]]*\])?")
_CELL_SEP = re.compile(r"(?<!\\)&")


def tabular_rows(latex: str) -> list[list[str]] | None:
    """The cells of the one ``tabular`` in ``latex`` (first row = header), or ``None`` when the table is
    not simple: several or nested tabulars, spanning cells, or no cell text at all."""
    matches = _TABULAR.findall(latex)
    if len(matches) != 1:
        return None
    _spec, body = matches[0]
    if "\\begin{tabular" in body or any(marker in body for marker in _NOT_SIMPLE):
        return None
    rows = []
    for raw in _ROW_SEP.split(_RULES.sub(" ", body)):
        cells = [_clean_cell(cell) for cell in _CELL_SEP.split(raw)]
        if any(cells):
            rows.append(cells)
    if not rows or max(len(r) for r in rows) < 2 and len(rows) < 2:
        return None
    width = max(len(r) for r in rows)
    return [r + [""] * (width - len(r)) for r in rows]


def _clean_cell(cell: str) -> str:
    return " ".join(cell.replace("\\&", "&").split())


def is_table_start(line: str) -> bool:
    """Whether a line opens a LaTeX table (``table`` float or bare ``tabular``)."""
    return "\\begin{table" in line or "\\begin{tabular" in line


def table_env(line: str) -> str:
    """The environment a table-opening line must be closed with: ``table`` or ``tabular``."""
    return "table" if re.search(r"\\begin\{table\*?\}", line) else "tabular"
