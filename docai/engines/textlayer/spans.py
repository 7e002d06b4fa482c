"""Styled runs of text (from pymupdf spans) → one line of inline markdown."""

from __future__ import annotations

import re
from dataclasses import dataclass

from docai.layout.accents import compose_accents

_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demi|[-,]bd", re.IGNORECASE)
_ITALIC_NAME = re.compile(r"italic|oblique|[-,]it\b|[-,]ital", re.IGNORECASE)
_MONO_NAME = re.compile(r"mono|courier|consol|code|menlo|typewriter|cmtt|sfmono|inconsolata", re.IGNORECASE)
_FLAG_ITALIC, _FLAG_MONO, _FLAG_BOLD = 2, 8, 16


@dataclass
class Run:
    """A piece of a line with one style (and at most one link)."""

    text: str
    bold: bool = False
    italic: bool = False
    mono: bool = False
    uri: str | None = None

    def same_style(self, other: Run) -> bool:
        return (self.bold, self.italic, self.mono, self.uri) == (other.bold, other.italic, other.mono, other.uri)


def run_from_span(span: dict, uri: str | None = None) -> Run:
    """A :class:`Run` from a pymupdf ``dict`` span: style from its flags and its font's name."""
    flags, font = span.get("flags", 0), span.get("font", "")
    return Run(
        text=span.get("text", ""),
        bold=bool(flags & _FLAG_BOLD) or bool(_BOLD_NAME.search(font)),
        italic=bool(flags & _FLAG_ITALIC) or bool(_ITALIC_NAME.search(font)),
        mono=bool(flags & _FLAG_MONO) or bool(_MONO_NAME.search(font)),
        uri=uri,
    )


@dataclass
class StyledLine:
    """A line's inline markdown, and which styles cover the whole line (left out of the markup)."""

    text: str
    bold: bool
    italic: bool
    mono: bool


def render_runs(runs: list[Run]) -> StyledLine:
    """Runs → inline markdown: ``**bold**``, ``*italic*``, `` `code` ``, ``[text](uri)``.

    A style that covers every visible character of the line is reported on the line instead of
    being written into its text, so paragraph and heading logic can see it.
    """
    visible = [r for r in runs if r.text.strip()]
    if not visible:
        return StyledLine("", False, False, False)
    all_bold = all(r.bold for r in visible)
    all_italic = all(r.italic for r in visible)
    all_mono = all(r.mono for r in visible)
    if all_mono:  # code: raw text, no inline markup
        return StyledLine(compose_accents("".join(r.text for r in runs).strip()), all_bold, all_italic, True)
    merged: list[Run] = []
    for run in runs:
        style = Run(run.text, run.bold and not all_bold, run.italic and not all_italic,
                    run.mono and not all_mono, run.uri)
        if not run.text.strip() and merged and not run.uri:
            merged[-1].text += run.text  # white space takes the style around it
        elif merged and merged[-1].same_style(style):
            merged[-1].text += style.text
        else:
            merged.append(style)
    text = "".join(_markup(run) for run in merged)
    return StyledLine(compose_accents(" ".join(text.split())), all_bold, all_italic, all_mono)


def _markup(run: Run) -> str:
    core = run.text.strip()
    if not core:
        return run.text
    lead = run.text[: len(run.text) - len(run.text.lstrip())]
    trail = run.text[len(run.text.rstrip()):]
    if run.mono:
        core = f"`{core}`"
    else:
        marks = ("**" if run.bold else "") + ("*" if run.italic else "")
        core = f"{marks}{core}{marks[::-1]}"
    if run.uri:
        core = f"[{core}]({run.uri})"
    return lead + core + trail
