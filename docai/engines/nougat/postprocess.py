"""Nougat's raw output → clean markdown: our implementation of the original's ``postprocess``.

Each fix is a small named function; :func:`postprocess` applies them in the original's order, then
:func:`markdown_compatible` (equation tags, bold math, links, code fences). Display math stays as
``\\[..\\]`` and inline math as ``\\(..\\)``; LaTeX tables are kept (see ``tables.py`` for the ones simple
enough to become rows). What the original only does to glue pages into one file (trailing spaces
decided with an English word list) is left out: pages here become blocks.
"""

from __future__ import annotations

import re

from docai.engines.nougat.references import remove_hallucinated_references

_SENTENCE_END = ".?!\n"


def drop_long_headings(text: str) -> str:
    """A "heading" of 100+ characters is a paragraph the model mislabelled: keep its text only."""
    return re.sub(r"(?:\n|^)#+ \d*\W? ?(.{100,})", r"\n\1", text)


def drop_numeral_headings(text: str) -> str:
    """Remove headings that hold only a section number (``## 3.1``, ``# iv``)."""
    text = text.replace("\n* [leftmargin=*]\n", "\n")
    return re.sub(r"^#+ (?:\.?(?:\d|[ixv])+)*\s*(?:$|\n\s*)", "", text, flags=re.M)


def drop_trailing_heading(text: str) -> str:
    """A heading as the last line of a page is most likely hallucinated: drop it."""
    lines = text.split("\n")
    if len(lines) > 1 and lines[-1].startswith("#") and lines[-1].lstrip("#").startswith(" "):
        return "\n".join(lines[:-1])
    return text


def _next_sentence_end(text: str, start: int) -> int | None:
    for i in range(start, len(text)):
        if text[i] in _SENTENCE_END:
            return i
    return None


def _previous_sentence_end(text: str, before: int) -> int | None:
    for i in range(before - 1, 0, -1):
        if text[i] in _SENTENCE_END:
            return i
    return None


def truncate_repetitions(text: str, min_len: int = 30) -> str:
    """Keep one copy of a tail that repeats (the longest repeating unit of at least ``min_len`` chars),
    ending at a sentence boundary that is not itself part of the repetition."""
    low = text.lower()
    n = len(low)
    if n < 2 * min_len:
        return text
    unit = None
    for length in range(min_len, n // 2):
        if low[n - 2 * length:n - length] == low[n - length:]:
            unit = length
    if unit is None:
        return text
    tail = low[-unit:]
    kept = low
    while kept.endswith(tail):
        kept = kept[:-unit]
    repeating = low[len(kept):]
    end = len(kept)
    while True:
        sentence_end = _next_sentence_end(low, end)
        sentence_start = _previous_sentence_end(low, end)
        if not sentence_end or not sentence_start:
            break
        end = sentence_end + 1
        if low[sentence_start:sentence_end] in repeating:
            break
    return text[:end]


def clean_reference_lines(text: str) -> str:
    """Drop references that are only runs of initials, and the empty ``[]`` after a reference number."""
    text = re.sub(r"^\* \[\d+\](\s?[A-W]\.+\s?){10,}.*$", "", text, flags=re.M)
    return re.sub(r"^(\* \[\d+\])\[\](.*)$", r"\1\2", text, flags=re.M)


def drop_stray_characters(text: str) -> str:
    """A single word character alone at the very start or end of the page, cut off by blank lines."""
    return re.sub(r"(^\w\n\n|\n\n\w$)", "", text)


def fix_pmc_math(text: str) -> str:
    """Underscore-wrapped variables from PubMed Central sources (``_x__i_``) → inline math ``\\(x_{i}\\)``."""
    text = re.sub(r"([\s.,()])_([a-zA-Z0-9])__([a-zA-Z0-9]){1,3}_([\s.,:()])", r"\1\(\2_{\3}\)\4", text)
    return re.sub(r"([\s.,\d])_([a-zA-Z0-9])_([\s.,\d;])", r"\1\(\2\)\3", text)


def fix_footnotes(text: str) -> str:
    """Drop ``footnotetext:``/``thanks:`` leftovers and inline ``[FOOTNOTE:..]..[ENDFOOTNOTE]`` markup."""
    text = re.sub(r"(\nFootnote .*?:) (?:footnotetext|thanks):\W*(.*(?:\n\n|$))", r"\1 \2", text)
    return re.sub(r"\[FOOTNOTE:.+?\](.*?)\[ENDFOOTNOTE\]", "", text)


def split_inline_lists(text: str) -> str:
    """A list line holding several items (``* a * b * 2.1 c``) → one item per line, nested by numbering.

    Unlike the original, a line is split only on its own bullet (a ``-`` inside a ``*`` item is a
    dash, not an item), and one-word items are kept: the original drops both.
    """
    out = []
    for line in text.split("\n"):
        match = re.match(r"^([-*]) (.*)$", line)
        items = match.group(2).split(f" {match.group(1)} ") if match else []
        if len(items) < 2:
            out.append(line)
            continue
        for item in items:
            numeral = item.strip().partition(" ")[0]
            level = numeral.count(".") if re.match(r"^[\dixv]+((?:\.[\dixv])?)+$", numeral, flags=re.I) else 0
            out.append("\t" * level + f"{match.group(1)} {item.strip()}")
    return "\n".join(out)


def correct_tables(text: str) -> str:
    """Remove degenerate tables (huge or empty), and put table environments on their own lines."""
    for line in text.split("\n"):
        if line.count("\\begin{tabular}") > 15 or line.count("\\multicolumn") > 60 or line.count("&") > 400:
            text = text.replace(line, "")
    text = text.replace("\\begin{table} \\begin{tabular}", "\\begin{table}\n\\begin{tabular}")
    text = text.replace("\\end{tabular} \\end{table}", "\\end{tabular}\n\\end{table}")
    text = text.replace("\\end{table} Tab", "\\end{table}\nTab")
    text = re.sub(r"(^.+)\\begin{tab", r"\1\n\\begin{tab", text, flags=re.M)
    text = text.replace(r"\begin{tabular}{l l}  & \\ \end{tabular}", "")
    text = text.replace("\\begin{tabular}{}\n\n\\end{tabular}", "")
    text = text.replace("\\begin{array}[]{", "\\begin{array}{")
    return re.sub(r"\\begin{tabular}{([clr ]){2,}}\s*[& ]*\s*(\\\\)? \\end{tabular}", "", text)


def close_environments(text: str) -> str:
    """Close matrix and table environments a truncated page left open."""
    for env in ("bmatrix", "pmatrix", "matrix", "tabular", "table"):
        missing = text.count(f"\\begin{{{env}}}") - text.count(f"\\end{{{env}}}")
        if missing > 0:
            text += f"\\end{{{env}}}" * missing
    return text


def drop_empty_lines_of_markup(text: str) -> str:
    """Remove ``S. A. B.`` runs, empty or one-character headings, lone periods and extra blank lines."""
    text = re.sub(r"(\*\*S\. A\. B\.\*\*\n+){2,}", "", text)
    text = re.sub(r"^#+( [\[\d\w])?$", "", text, flags=re.M)
    text = re.sub(r"^\.\s*$", "", text, flags=re.M)
    return re.sub(r"\n{3,}", "\n\n", text)


def markdown_compatible(text: str) -> str:
    """The original's markdown fixes: equation numbers as ``\\tag``, ``\\bm``/boldmath as ``\\mathbf``,
    bare URLs as links, and code fences on their own lines."""
    text = re.sub(r"^\(([\d.]+[a-zA-Z]?)\) \\\[(.+?)\\\]$", r"\[\2 \\tag{\1}\]", text, flags=re.M)
    text = re.sub(r"^\\\[(.+?)\\\] \(([\d.]+[a-zA-Z]?)\)$", r"\[\1 \\tag{\2}\]", text, flags=re.M)
    text = re.sub(r"^\\\[(.+?)\\\] \(([\d.]+[a-zA-Z]?)\) (\\\[.+?\\\])$", r"\[\1 \\tag{\2}\] \3", text, flags=re.M)
    text = text.replace(r"\. ", ". ")
    text = text.replace(r"\bm{", r"\mathbf{").replace(r"{\\bm ", r"\mathbf{")
    text = re.sub(r"\\mbox{ ?\\boldmath\$(.*?)\$}", r"\\mathbf{\1}", text)
    text = re.sub(
        r"((?:http|ftp|https):\/\/(?:[\w_-]+(?:(?:\.[\w_-]+)+))(?:[\w.,@?^=%&:\/~+#-]*[\w@?^=%&\/~+#-]))",
        r"[\1](\1)", text)
    return re.sub(r"```\s*(.+?)\s*```", r"```\n\1\n```", text, flags=re.S)


def postprocess(text: str, *, markdown_fix: bool = True) -> str:
    """Clean one page of raw Nougat output (after detokenisation)."""
    text = drop_long_headings(text).strip()
    text = drop_numeral_headings(text)
    text = drop_trailing_heading(text)
    text = truncate_repetitions(text)
    text = remove_hallucinated_references(text)
    text = clean_reference_lines(text)
    text = drop_stray_characters(text)
    text = fix_pmc_math(text)
    text = fix_footnotes(text)
    text = split_inline_lists(text)
    text = correct_tables(text)
    text = close_environments(text)
    text = drop_empty_lines_of_markup(text)
    if markdown_fix:
        text = markdown_compatible(text)
    return text.strip()
