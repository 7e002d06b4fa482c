"""Content hashes of pages for the page cache: everything that can change what an engine makes of a page.

A PDF page's hash covers the object graph reachable from it — its dictionary, content streams,
resources, fonts with their descendants, encodings and ``/ToUnicode`` CMaps, XObjects, annotations and
their appearance streams — plus the attributes it inherits from the page tree (``/Resources``,
``/MediaBox``, ``/CropBox``, ``/Rotate``), the catalog entries that change rendering (optional content,
forms) and its resolved links. Each object is hashed by its text (as mupdf prints it) and, for a
stream, its raw bytes, so nothing is decompressed. References are renumbered in the order they are
met, so the same page hashes the same inside two files whatever their object numbers.

Another page reached through a link or a form field stands for its page number, and the page tree is
never walked, so one page's hash does not depend on the rest of the document. A page whose graph
cannot be read completely, or has more than :data:`MAX_OBJECTS` objects, has no hash: it is not cached.
"""

from __future__ import annotations

import hashlib
import re
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pymupdf

    from docai.ingest.source import PageContext

#: a page reaching more objects than this is not cached (hashing it would cost more than it saves)
MAX_OBJECTS = 20_000
#: page attributes inherited from the page tree (PDF 32000-1, 7.7.3.4)
INHERITED = ("Resources", "MediaBox", "CropBox", "Rotate")
#: catalog entries that change how every page renders or extracts
CATALOG_KEYS = ("OCProperties", "AcroForm")
#: deepest page tree walked for inherited attributes
MAX_TREE_DEPTH = 64

# In mupdf's printing of an object, literal strings escape their parentheses and hex strings hold only
# hex digits, so these three alternatives find every reference outside strings and leave strings alone.
_TOKENS = re.compile(rb"(\((?:\\.|[^\\)])*\))|(<[0-9A-Fa-f\s]*>)|(?<![\w.#])(\d+) (\d+) R(?!\w)", re.DOTALL)


class Unhashable(Exception):
    """The page's object graph cannot be read completely (or is too large): the page is not cached."""


@dataclass
class GraphMemo:
    """Per-document memo: each object is read and each stream hashed once, whatever pages share them."""

    objects: dict[int, tuple[bytes, str]] = field(default_factory=dict)  # xref -> (text, /Type)
    streams: dict[int, str] = field(default_factory=dict)  # xref -> sha256 of its raw bytes
    page_numbers: dict[int, int] | None = None  # page object xref -> 0-based page index


def page_fingerprint(ctx: PageContext) -> str | None:
    """The page's content hash, or ``None`` when it must not be cached (see the module docstring).

    Image inputs hash the file bytes and the frame number.
    """
    h = hashlib.sha256()
    if ctx.source.is_image:
        h.update(f"image|{ctx.source.sha256}|{ctx.index}".encode())
        return h.hexdigest()
    try:
        h.update(b"pdf|")
        h.update(graph_digest(ctx.source.doc, ctx.page.xref, ctx.source.graph_memo))
        page = ctx.page
        h.update(f"|{page.rect!r}|{page.rotation}|{page.cropbox!r}".encode())
        for link in page.get_links():  # named destinations resolve through the catalog: hash the outcome
            h.update(repr((link.get("kind"), link.get("uri"), link.get("page"), link.get("file"),
                           tuple(link["from"]))).encode())
    except Exception:  # noqa: BLE001 - Unhashable, or mupdf refusing an object: the page is not cached
        return None
    return h.hexdigest()


def graph_digest(doc: pymupdf.Document, page_xref: int, memo: GraphMemo | None = None) -> bytes:
    """SHA-256 over the objects reachable from page ``page_xref``; raises :class:`Unhashable`."""
    memo = memo or GraphMemo()
    if memo.page_numbers is None:
        memo.page_numbers = {doc.page_xref(i): i for i in range(doc.page_count)}
    walk = _Walk(doc, memo, page_xref)
    walk.add_roots([page_xref])
    walk.add_roots(_inherited_refs(doc, page_xref), label=b"inherited")
    catalog = doc.pdf_catalog()
    walk.add_roots([catalog], label=b"catalog", only_keys=CATALOG_KEYS)
    walk.run()
    return walk.h.digest()


class _Walk:
    """Breadth-first over references, in the order they are met; objects numbered as they are found."""

    def __init__(self, doc: pymupdf.Document, memo: GraphMemo, root: int) -> None:
        self.doc, self.memo, self.root = doc, memo, root
        self.length = doc.xref_length()
        self.ordinal: dict[int, int] = {}
        self.queue: deque[int] = deque()
        self.h = hashlib.sha256()

    def add_roots(self, xrefs: list[int] | list[str], *, label: bytes = b"root", only_keys=None) -> None:
        for item in xrefs:
            if isinstance(item, str):  # an inherited value: text that may hold references
                self.h.update(b"\x02" + label + b"\x02" + self._canonical(item.encode()))
                continue
            if only_keys is not None:  # selected entries of a dictionary, not the whole object
                for key in only_keys:
                    kind, value = self.doc.xref_get_key(item, key)
                    if kind != "null":
                        self.h.update(b"\x02" + key.encode() + b"\x02" + self._canonical(value.encode()))
                continue
            self._ref(item)

    def run(self) -> None:
        while self.queue:
            xref = self.queue.popleft()
            text, kind = self._object(xref)
            self.h.update(b"\x03%d\x03" % self.ordinal[xref])
            if xref != self.root and kind == "/Page":
                self.h.update(b"page %d" % self.memo.page_numbers.get(xref, -1))
                continue
            if kind == "/Pages":
                self.h.update(b"page-tree")
                continue
            self.h.update(self._canonical(text))
            if self.doc.xref_is_stream(xref):
                self.h.update(b"\x04" + self._stream(xref).encode())

    def _ref(self, xref: int) -> bytes:
        if xref <= 0 or xref >= self.length:
            return b"null"  # a reference to a missing object means null (PDF 32000-1, 7.3.10)
        if xref not in self.ordinal:
            if len(self.ordinal) >= MAX_OBJECTS:
                raise Unhashable(f"the page reaches more than {MAX_OBJECTS:,} objects")
            self.ordinal[xref] = len(self.ordinal)
            self.queue.append(xref)
        return b"\x01%d\x01" % self.ordinal[xref]

    def _canonical(self, text: bytes) -> bytes:
        """``text`` with each reference outside strings replaced by the object's ordinal (queued)."""

        def sub(m: re.Match) -> bytes:
            if m.group(3) is None:
                return m.group(0)
            return self._ref(int(m.group(3)))

        return _TOKENS.sub(sub, text)

    def _object(self, xref: int) -> tuple[bytes, str]:
        found = self.memo.objects.get(xref)
        if found is None:
            try:
                text = self.doc.xref_object(xref, compressed=True).encode()
                kind, value = self.doc.xref_get_key(xref, "Type")
            except Exception as exc:  # noqa: BLE001 - mupdf raises plain exceptions on broken objects
                raise Unhashable(f"object {xref} cannot be read: {exc}") from None
            found = self.memo.objects[xref] = (text, value if kind == "name" else "")
        return found

    def _stream(self, xref: int) -> str:
        digest = self.memo.streams.get(xref)
        if digest is None:
            try:
                raw = self.doc.xref_stream_raw(xref)
            except Exception as exc:  # noqa: BLE001
                raise Unhashable(f"stream {xref} cannot be read: {exc}") from None
            if raw is None:
                raise Unhashable(f"stream {xref} cannot be read")
            digest = self.memo.streams[xref] = hashlib.sha256(raw).hexdigest()
        return digest


def _inherited_refs(doc: pymupdf.Document, page_xref: int) -> list[str]:
    """The inheritable attributes of every ancestor of the page, as text (``"3 0 R"``, ``"[0 0 612 792]"``)."""
    values: list[str] = []
    seen = {page_xref}
    node = page_xref
    for _ in range(MAX_TREE_DEPTH):
        kind, parent = doc.xref_get_key(node, "Parent")
        if kind != "xref":
            return values
        node = int(parent.split()[0])
        if node in seen:
            raise Unhashable("the page tree has a cycle")
        seen.add(node)
        for key in INHERITED:
            kind, value = doc.xref_get_key(node, key)
            if kind != "null":
                values.append(f"{key} {value}")
    raise Unhashable(f"the page tree is deeper than {MAX_TREE_DEPTH} levels")
