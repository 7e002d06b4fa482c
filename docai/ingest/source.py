"""Open a PDF or image from a path, bytes or a stream, with type sniffing, limits and passwords."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import BinaryIO

import pymupdf
from PIL import Image

from docai.errors import (
    CorruptDocumentError,
    DocaiError,
    EmptyDocumentError,
    EncryptedDocumentError,
    InputError,
    LimitExceededError,
    UnsupportedInputError,
)
from docai.fingerprint import GraphMemo, page_fingerprint
from docai.ingest.cost import ContentCost, CostMemo, document_cost, page_cost
from docai.ingest.messages import route_messages_to_logging
from docai.ingest.pages import parse_page_selection
from docai.ingest.render import render_page
from docai.options import Limits

route_messages_to_logging()

Source = str | Path | bytes | bytearray | memoryview | BinaryIO

_IMAGE_TYPES = {
    "image/png": "png",
    "image/jpeg": "jpeg",
    "image/tiff": "tiff",
}


def sniff_mime_type(head: bytes) -> str | None:
    """The MIME type of a supported input from its first bytes, or ``None``."""
    if b"%PDF-" in head[:1024]:
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    return None


def read_source(source: Source, limits: Limits) -> tuple[str, bytes]:
    """Read ``source`` into memory (name, bytes), enforcing the file-size limit before reading it all."""
    limit = limits.max_file_bytes
    if isinstance(source, (bytes, bytearray, memoryview)):
        data, name = bytes(source), "<bytes>"
    elif isinstance(source, (str, Path)):
        path = Path(source)
        if not path.exists():
            raise InputError(f"{path}: no such file")
        if path.is_dir():
            raise InputError(f"{path}: is a directory, not a document")
        size = path.stat().st_size
        if limit and size > limit:
            raise LimitExceededError(f"{path}: {size:,} bytes is over the file size limit of {limit:,} (--max-file-size)")
        data, name = path.read_bytes(), str(path)
    else:
        data = source.read(limit + 1 if limit else -1)
        name = getattr(source, "name", "<stream>")
        name = name if isinstance(name, str) else "<stream>"
    if limit and len(data) > limit:
        raise LimitExceededError(f"{name}: input is over the file size limit of {limit:,} bytes (--max-file-size)")
    return name, data


def _check_image_pixels(name: str, data: bytes, limits: Limits) -> int:
    """Read only the image headers; refuse decompression bombs before any pixel is decoded."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            frames = getattr(img, "n_frames", 1)
            for frame in range(frames):
                img.seek(frame)
                pixels = img.width * img.height
                if limits.max_image_pixels and pixels > limits.max_image_pixels:
                    raise LimitExceededError(
                        f"{name}: image of {img.width}x{img.height} = {pixels:,} pixels is over the limit of "
                        f"{limits.max_image_pixels:,} (--max-image-pixels)"
                    )
            return frames
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise LimitExceededError(f"{name}: image is too large to decode safely ({exc})") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise CorruptDocumentError(f"{name}: damaged image ({exc})") from None


@dataclass
class SourceDocument:
    """An opened input: its bytes, identity, the pymupdf document and the selected pages."""

    name: str
    data: bytes
    mime_type: str
    doc: pymupdf.Document
    selected: list[int]
    limits: Limits = field(default_factory=Limits)
    graph_memo: GraphMemo = field(default_factory=GraphMemo, repr=False)
    cost_memo: CostMemo = field(default_factory=CostMemo, repr=False)

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def page_count(self) -> int:
        return self.doc.page_count

    @property
    def is_image(self) -> bool:
        return self.mime_type in _IMAGE_TYPES

    @cached_property
    def metadata(self) -> dict[str, str]:
        meta = self.doc.metadata or {}
        return {k: str(v) for k, v in meta.items() if v and k in ("title", "author", "subject", "keywords", "creator", "producer")}

    def check_cost(self) -> ContentCost:
        """The selected pages' content cost; raises :class:`LimitExceededError` over the document limits
        (see :func:`docai.ingest.cost.document_cost`). Pages checked here are not decoded again."""
        if self.is_image:
            return ContentCost()
        return document_cost(self.doc, self.selected, self.limits, self.cost_memo, name=self.name)

    def pages(self) -> list[PageContext]:
        """A context for every selected page, in selection order."""
        return [PageContext(self, i) for i in self.selected]

    def close(self) -> None:
        self.doc.close()


@dataclass
class PageContext:
    """One page as the router and the engines see it. Heavy things (rendering, hashing) are lazy."""

    source: SourceDocument
    index: int  # 0-based
    #: seconds of this page's time budget spent so far (routing, hashing, engines)
    spent_s: float = 0.0
    #: why the page failed before an engine saw it (over a limit, unreadable), as a docai error
    failure: DocaiError | None = field(default=None, repr=False)
    #: mupdf's warnings and errors while this page was read: such a page is never cached
    read_problems: list[str] = field(default_factory=list, repr=False)

    @property
    def number(self) -> int:
        return self.index + 1

    @cached_property
    def page(self) -> pymupdf.Page:
        return self.source.doc[self.index]

    @property
    def width(self) -> float:
        return float(self.page.rect.width)

    @property
    def height(self) -> float:
        return float(self.page.rect.height)

    def content_cost(self) -> ContentCost:
        """What drawing the page costs (decoded content bytes, operators); raises
        :class:`LimitExceededError` over the per-page limits, before any engine reads the page."""
        if self.source.is_image:
            return ContentCost()
        return page_cost(self.source.doc, self.page, self.source.limits, self.source.cost_memo)

    def render(self, dpi: int) -> Image.Image:
        """The page as an RGB image at ``dpi``, within the pixel limit."""
        return render_page(self.page, dpi, self.source.limits.max_image_pixels)

    @cached_property
    def fingerprint(self) -> str | None:
        """A hash of everything the page's output depends on, or ``None`` if it must not be cached
        (see :mod:`docai.fingerprint`)."""
        return page_fingerprint(self)


def _open_pdf(name: str, data: bytes, mime_type: str, password: str | None) -> pymupdf.Document:
    try:
        if mime_type == "application/pdf":
            doc = pymupdf.open(stream=data, filetype="pdf")
        else:
            doc = pymupdf.open(stream=data, filetype=_IMAGE_TYPES[mime_type])
    except (pymupdf.FileDataError, RuntimeError, ValueError) as exc:
        raise CorruptDocumentError(f"{name}: damaged or truncated {mime_type.split('/')[1].upper()} ({exc})") from None
    if doc.needs_pass:
        if not password:
            doc.close()
            raise EncryptedDocumentError(f"{name}: the PDF is encrypted; give its password with --password")
        if not doc.authenticate(password):
            doc.close()
            raise EncryptedDocumentError(f"{name}: wrong password for the encrypted PDF")
    return doc


def load_source(source: Source, *, password: str | None = None, pages: str | None = None,
                limits: Limits | None = None) -> SourceDocument:
    """Open ``source`` as a :class:`SourceDocument`. The caller closes it (or uses :func:`open_source`)."""
    limits = limits or Limits()
    name, data = read_source(source, limits)
    if not data:
        raise EmptyDocumentError(f"{name}: the input is empty (0 bytes)")
    mime_type = sniff_mime_type(data[:2048])
    if mime_type is None:
        raise UnsupportedInputError(f"{name}: not a PDF or a supported image (PNG, JPEG, TIFF)")
    if mime_type in _IMAGE_TYPES:
        _check_image_pixels(name, data, limits)
    doc = _open_pdf(name, data, mime_type, password)
    try:
        count = doc.page_count
    except Exception as exc:  # noqa: BLE001 - mupdf raises plain exceptions on broken page trees
        doc.close()
        raise CorruptDocumentError(f"{name}: damaged page tree ({exc})") from None
    if count == 0:
        doc.close()
        raise EmptyDocumentError(f"{name}: the document has no pages")
    if limits.max_pages and count > limits.max_pages and not pages:
        doc.close()
        raise LimitExceededError(
            f"{name}: {count:,} pages is over the page limit of {limits.max_pages:,} (--max-pages, or select --pages)"
        )
    try:
        selected = parse_page_selection(pages, count)
    except Exception:
        doc.close()
        raise
    if limits.max_pages and len(selected) > limits.max_pages:
        doc.close()
        raise LimitExceededError(
            f"{name}: {len(selected):,} selected pages is over the page limit of {limits.max_pages:,} (--max-pages)"
        )
    return SourceDocument(name=name, data=data, mime_type=mime_type, doc=doc, selected=selected, limits=limits)


@contextmanager
def open_source(source: Source, *, password: str | None = None, pages: str | None = None,
                limits: Limits | None = None) -> Iterator[SourceDocument]:
    """Context-managed :func:`load_source`."""
    src = load_source(source, password=password, pages=pages, limits=limits)
    try:
        yield src
    finally:
        src.close()
