"""What a page costs to interpret, measured before any engine reads it: decoded content bytes and operators.

A page's cost is its content streams plus every form XObject it draws, once per ``Do`` that draws it
(nested forms multiply), plus its annotations' appearance streams. Flate and ASCII streams are
decoded here with a cap, so a compression bomb is refused after :attr:`Limits.max_page_content_bytes`
and never inflated in full. Streams are decoded and counted once per document (:class:`CostMemo`),
but a stream shared by many pages counts on every page that draws it: the document's cost is the sum
of its pages' costs, which is what the submit-time check compares with its limit.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from docai.errors import LimitExceededError

if TYPE_CHECKING:
    import pymupdf

    from docai.options import Limits

#: deepest nesting of forms followed (mupdf itself stops at about this depth)
MAX_FORM_DEPTH = 32

# Strings, hex strings, comments and inline image data hold no operators: blank them out first.
_OPAQUE = re.compile(rb"\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]*>|%[^\r\n]*")
_INLINE_IMAGE = re.compile(rb"\bID\s.*?\sEI\b", re.DOTALL)
# Delimiters and whitespace become spaces and letters become ``A``: an operator is then a word that
# starts with a letter or a quote (names start with /, numbers with a digit, sign or point), counted as
# the occurrences of " A" (true, false and null count too: rare in content, and erring on the safe side).
_LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'\""
_SPACES = b"[]<>{}()\x00\t\n\x0c\r"
_FOLD = bytes.maketrans(_LETTERS + _SPACES, b"A" * len(_LETTERS) + b" " * len(_SPACES))
_DO = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s*Do\b")
_PY_FILTERS = {"/FlateDecode", "/Fl", "/ASCII85Decode", "/A85", "/ASCIIHexDecode", "/AHx"}


@dataclass(frozen=True)
class ContentCost:
    """Decoded content bytes and operators; ``+`` adds, ``*`` scales (a form drawn ``n`` times)."""

    bytes: int = 0
    operators: int = 0

    def __add__(self, other: ContentCost) -> ContentCost:
        return ContentCost(self.bytes + other.bytes, self.operators + other.operators)

    def __mul__(self, n: int) -> ContentCost:
        return ContentCost(self.bytes * n, self.operators * n)


@dataclass
class _Stream:
    cost: ContentCost
    calls: dict[str, int]  # XObject name -> times drawn


@dataclass
class CostMemo:
    """Per-document memo: each stream decoded and counted once, whatever pages share it."""

    streams: dict[int, _Stream] = field(default_factory=dict)


def scan_content(data: bytes) -> tuple[int, dict[str, int]]:
    """The number of operators in decoded content ``data`` (strings, comments and inline images skipped),
    and how many times it draws each named XObject."""
    if b"BI" in data:
        data = _INLINE_IMAGE.sub(b" ", data)
    text = _OPAQUE.sub(b" ", data) if (b"(" in data or b"<" in data or b"%" in data) else data
    operators = (b" " + text).translate(_FOLD).count(b" A")
    calls: dict[str, int] = {}
    if b"Do" in text:
        for name in _DO.findall(text):
            key = name.decode("latin-1")
            calls[key] = calls.get(key, 0) + 1
    return operators, calls


def page_cost(doc: pymupdf.Document, page: pymupdf.Page, limits: Limits, memo: CostMemo | None = None) -> ContentCost:
    """The page's cost; raises :class:`LimitExceededError` as soon as it is over the per-page limits."""
    memo = memo or CostMemo()
    measure = _Measure(doc, page, limits, memo)
    total = ContentCost()
    for xref in _guarded(page.get_contents, []):
        total = measure.add(total, measure.holder_cost(xref, page.xref, depth=0))
    for xref in _guarded(lambda: _appearance_streams(doc, page), []):
        total = measure.add(total, measure.holder_cost(xref, xref, depth=1))
    return total


def _guarded(read, default):
    """``read()``, or ``default`` where mupdf cannot read a damaged object: what cannot be read costs
    nothing here, and the engines meet the damage (and report it) themselves."""
    try:
        return read()
    except Exception:  # noqa: BLE001 - mupdf raises plain exceptions on broken objects
        return default


def document_cost(doc: pymupdf.Document, selected: list[int], limits: Limits, memo: CostMemo | None = None,
                  *, name: str = "the document") -> ContentCost:
    """The cost of the selected pages together; raises :class:`LimitExceededError` over the document limits.

    A stream shared by many pages is decoded once but counts on every page that draws it; a page over
    the per-page limits counts as the limit (it will be refused alone, and a document made of such
    pages is refused whole).
    """
    memo = memo or CostMemo()
    cap = ContentCost(limits.max_page_content_bytes, limits.max_page_operators)
    total = ContentCost()
    for index in selected:
        try:
            total = total + page_cost(doc, doc[index], limits, memo)
        except LimitExceededError:
            total = total + cap
        if limits.max_document_operators and total.operators > limits.max_document_operators:
            raise LimitExceededError(
                f"{name}: its pages draw over {limits.max_document_operators:,} content operators together "
                "(--max-document-operators; a stream shared by pages counts on each)")
        if limits.max_document_content_bytes and total.bytes > limits.max_document_content_bytes:
            raise LimitExceededError(
                f"{name}: its pages hold over {limits.max_document_content_bytes:,} bytes of decoded content "
                "together (--max-document-content)")
    return total


class _Measure:
    def __init__(self, doc: pymupdf.Document, page: pymupdf.Page, limits: Limits, memo: CostMemo) -> None:
        self.doc, self.page, self.limits, self.memo = doc, page, limits, memo
        self.where = f"page {page.number + 1}"

    def add(self, total: ContentCost, more: ContentCost) -> ContentCost:
        total = total + more
        self.check(total)
        return total

    def check(self, cost: ContentCost) -> None:
        lim = self.limits
        if lim.max_page_operators and cost.operators > lim.max_page_operators:
            raise LimitExceededError(
                f"{self.where} draws over {lim.max_page_operators:,} content operators (--max-page-operators)")
        if lim.max_page_content_bytes and cost.bytes > lim.max_page_content_bytes:
            raise LimitExceededError(
                f"{self.where} has over {lim.max_page_content_bytes:,} bytes of decoded content "
                "(--max-page-content)")

    def holder_cost(self, xref: int, resources_of: int, depth: int, seen: frozenset[int] = frozenset()) -> ContentCost:
        """The cost of stream ``xref`` and of the forms it draws (names looked up in ``resources_of``)."""
        stream = self.stream(xref)
        total = stream.cost
        if depth >= MAX_FORM_DEPTH:
            return total
        for name, times in stream.calls.items():
            form = _guarded(lambda name=name: self.form_xref(resources_of, name), None)
            if form is None or form in seen:
                continue  # an image, a missing name, or a form drawing itself (mupdf refuses the loop)
            own = form if _guarded(lambda form=form: self.doc.xref_get_key(form, "Resources")[0], "null") != "null" \
                else resources_of
            total = self.add(total, self.holder_cost(form, own, depth + 1, seen | {xref, form}) * times)
        return total

    def stream(self, xref: int) -> _Stream:
        found = self.memo.streams.get(xref)
        if found is None:
            data = _guarded(lambda: self.decode(xref), b"")
            self.check(ContentCost(len(data), 0))  # refuse a bomb before scanning it
            operators, calls = scan_content(data)
            found = _Stream(ContentCost(len(data), operators), calls)
            self.memo.streams[xref] = found
        self.check(found.cost)
        return found

    def decode(self, xref: int) -> bytes:
        """The stream's decoded bytes, at most the per-page byte limit plus one."""
        cap = self.limits.max_page_content_bytes or None
        filters = _filters(self.doc, xref)
        if filters is not None and self.doc.xref_get_key(xref, "DecodeParms")[0] == "null":
            try:
                return _decode(self.doc.xref_stream_raw(xref) or b"", filters, cap)
            except (zlib.error, ValueError, binascii.Error):
                pass  # let mupdf try: it repairs what it can
        data = self.doc.xref_stream(xref) or b""
        return data if cap is None else data[:cap + 1]

    def form_xref(self, holder: int, name: str) -> int | None:
        for node in _resource_holders(self.doc, holder):
            kind, value = self.doc.xref_get_key(node, f"Resources/XObject/{name}")
            if kind == "xref":
                xref = int(value.split()[0])
                return xref if self.doc.xref_get_key(xref, "Subtype") == ("name", "/Form") else None
            if kind != "null":
                return None
        return None


def _resource_holders(doc: pymupdf.Document, xref: int) -> list[int]:
    """``xref`` then its page-tree ancestors (a page inherits ``/Resources``)."""
    chain = [xref]
    for _ in range(MAX_FORM_DEPTH):
        kind, parent = doc.xref_get_key(chain[-1], "Parent")
        if kind != "xref":
            break
        nxt = int(parent.split()[0])
        if nxt in chain:
            break
        chain.append(nxt)
    return chain


def _appearance_streams(doc: pymupdf.Document, page: pymupdf.Page) -> list[int]:
    found = []
    for annot in page.annots() or ():
        kind, value = doc.xref_get_key(annot.xref, "AP/N")
        if kind == "xref":
            xref = int(value.split()[0])
            if doc.xref_is_stream(xref):
                found.append(xref)
    return found


def _filters(doc: pymupdf.Document, xref: int) -> list[str] | None:
    """The stream's filters, if all of them are ones decoded here; else ``None``."""
    kind, value = doc.xref_get_key(xref, "Filter")
    if kind == "null":
        names: list[str] = []
    elif kind == "name":
        names = [value]
    elif kind == "array":
        names = ["/" + n for n in value.strip("[]").split("/") if n.strip()]
        names = [n.strip() for n in names]
    else:
        return None
    return names if all(n in _PY_FILTERS for n in names) else None


def _decode(data: bytes, filters: list[str], cap: int | None) -> bytes:
    for name in filters:
        if name in ("/FlateDecode", "/Fl"):
            inflater = zlib.decompressobj()
            data = inflater.decompress(data, (cap + 1) if cap else 0)
        elif name in ("/ASCII85Decode", "/A85"):
            body = data.strip()
            body = body[2:] if body.startswith(b"<~") else body
            data = base64.a85decode(body.split(b"~>")[0], ignorechars=b" \t\n\r\x0b\x0c")
        else:
            hexdigits = re.sub(rb"[^0-9A-Fa-f]", b"", data.split(b">")[0])
            data = binascii.unhexlify(hexdigits + (b"0" if len(hexdigits) % 2 else b""))
    return data
