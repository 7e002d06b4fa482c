"""Donut's token language ↔ JSON: ``<s_key>value</s_key>``, ``<sep/>`` lists, ``<label/>`` categories.

:func:`json2token` writes the target sequence a Donut checkpoint is trained on; :func:`token2json` reads a
generated sequence back. The reader is a small stack parser written to survive what a model emits:

- an end tag that never comes (generation cut at the length limit) closes at the end of its parent,
  so the fields read so far are kept;
- an end tag of an outer key closes the inner keys still open;
- an end tag of no open key, and text beside fields, are ignored;
- a key that repeats inside one object collects its values into a list (nothing is dropped);
- a sequence without any field gives ``{"text_sequence": text}``, as Donut does.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

SEP = "<sep/>"

_TOKEN = re.compile(r"<s_([^<>]+?)>|</s_([^<>]+?)>|(<sep/>)|<([^<>/\s]+)/>")


@dataclass
class _Segment:
    """One ``<sep/>``-separated part of a value: fields if it has any, else its text."""

    fields: dict[str, Any] = field(default_factory=dict)
    parts: list[str | _Category] = field(default_factory=list)

    def add_field(self, key: str, value: Any) -> None:
        if key not in self.fields:
            self.fields[key] = value
        elif isinstance(self.fields[key], _Repeated):
            self.fields[key].append(value)
        else:
            self.fields[key] = _Repeated([self.fields[key], value])


@dataclass(frozen=True)
class _Category:
    name: str


class _Repeated(list):
    """Values of a key that occurred more than once in one object."""


def _lex(text: str) -> list[tuple[str, str]]:
    """Split ``text`` into (kind, value) tokens: start, end, sep, cat, text."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    for m in _TOKEN.finditer(text):
        if m.start() > pos:
            tokens.append(("text", text[pos:m.start()]))
        start, end, sep, cat = m.groups()
        if start is not None:
            tokens.append(("start", start))
        elif end is not None:
            tokens.append(("end", end))
        elif sep is not None:
            tokens.append(("sep", ""))
        else:
            tokens.append(("cat", cat))
        pos = m.end()
    if pos < len(text):
        tokens.append(("text", text[pos:]))
    return tokens


def _parse(tokens: list[tuple[str, str]], i: int, open_keys: list[str]) -> tuple[list[_Segment], int]:
    """Parse a value from ``tokens[i]`` until the end tag of ``open_keys[-1]`` (consumed) or of an outer
    open key (left for the caller), or the end of input. Returns the value's segments and the next index."""
    segments = [_Segment()]
    while i < len(tokens):
        kind, value = tokens[i]
        if kind == "start":
            inner, i = _parse(tokens, i + 1, [*open_keys, value])
            segments[-1].add_field(value, inner)
        elif kind == "end":
            if open_keys and value == open_keys[-1]:
                return segments, i + 1
            if value in open_keys:
                return segments, i  # an outer key closes: this one closes with it
            i += 1  # a stray end tag
        elif kind == "sep":
            segments.append(_Segment())
            i += 1
        else:
            segments[-1].parts.append(_Category(value) if kind == "cat" else value)
            i += 1
    return segments, i


def _leaf(segment: _Segment, categories: Collection[str] | None) -> str:
    parts = [p for p in segment.parts if not (isinstance(p, str) and not p.strip())]
    if len(parts) == 1 and isinstance(parts[0], _Category):
        name = parts[0].name
        if categories is None or name in categories:
            return name
    return "".join(f"<{p.name}/>" if isinstance(p, _Category) else p for p in segment.parts).strip()


def _to_json(segments: list[_Segment], categories: Collection[str] | None) -> Any:
    objects = [_object(s, categories) for s in segments if s.fields]
    if objects:
        return objects[0] if len(objects) == 1 else objects
    leaves = [_leaf(s, categories) for s in segments]
    return leaves[0] if len(leaves) == 1 else leaves


def _object(segment: _Segment, categories: Collection[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in segment.fields.items():
        if isinstance(value, _Repeated):
            out[key] = [_to_json(v, categories) for v in value]
        else:
            out[key] = _to_json(value, categories)
    return out


def token2json(sequence: str, categories: Collection[str] | None = None) -> dict[str, Any]:
    """Read a generated Donut sequence (task token and special tokens already removed) into JSON.

    ``categories`` are the names allowed as categorical values (``<advertisement/>`` → ``"advertisement"``);
    ``None`` accepts any ``<name/>`` token. A top-level list of objects is returned as ``{"items": [...]}``.
    """
    segments, _ = _parse(_lex(sequence), 0, [])
    if not any(s.fields for s in segments):
        return {"text_sequence": sequence.strip()}
    value = _to_json(segments, categories)
    return value if isinstance(value, dict) else {"items": value}


def json2token(obj: Any, categories: Collection[str] = (), *, sort_keys: bool = True) -> str:
    """Write ``obj`` as a Donut target sequence (the inverse of :func:`token2json`).

    Keys are written in reverse-sorted order as in Donut's training data when ``sort_keys``; a string in
    ``categories`` is written as its categorical token ``<value/>``; other scalars as their text.
    """
    if isinstance(obj, dict):
        if len(obj) == 1 and "text_sequence" in obj:
            return str(obj["text_sequence"])
        keys = sorted(obj, reverse=True) if sort_keys else list(obj)
        return "".join(f"<s_{k}>{json2token(obj[k], categories, sort_keys=sort_keys)}</s_{k}>" for k in keys)
    if isinstance(obj, list):
        return SEP.join(json2token(item, categories, sort_keys=sort_keys) for item in obj)
    text = str(obj)
    return f"<{text}/>" if text in categories else text


def field_keys(token_names: Collection[str]) -> set[str]:
    """The JSON keys a vocabulary can express: names ``k`` with both ``<s_k>`` and ``</s_k>`` tokens."""
    starts = {m.group(1) for t in token_names if (m := re.fullmatch(r"<s_([^<>]+)>", t))}
    ends = {m.group(1) for t in token_names if (m := re.fullmatch(r"</s_([^<>]+)>", t))}
    return starts & ends


def category_names(token_names: Collection[str]) -> set[str]:
    """The categorical values of a vocabulary: names of ``<name/>`` tokens other than ``<sep/>``."""
    return {m.group(1) for t in token_names if (m := re.fullmatch(r"<([^<>/\s]+)/>", t)) and t != SEP}
