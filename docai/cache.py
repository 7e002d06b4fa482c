"""The per-page result cache: (page content hash, engine, engine version, options) → engine output.

Entries are JSON files under ``<cache dir>/pages/ab/<key>.json``, written atomically, so several
processes (the CLI, queue workers on a shared volume) can share one cache directory safely.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docai.prune import PruneReport, prune_tree

if TYPE_CHECKING:
    from docai.engines.base import EngineOutput
    from docai.ingest.source import PageContext


def default_cache_dir() -> Path:
    """``$DOCAI_CACHE_DIR``, else ``$XDG_CACHE_HOME/docai``, else ``~/.cache/docai``."""
    if env := os.environ.get("DOCAI_CACHE_DIR"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "docai"


def _xref_digest(ctx: PageContext, xref: int) -> str:
    cache = ctx._xref_digests
    if xref not in cache:
        doc = ctx.source.doc
        h = hashlib.sha256()
        try:
            h.update(doc.xref_object(xref, compressed=True).encode())
            if doc.xref_is_stream(xref):
                h.update(doc.xref_stream_raw(xref) or b"")
        except Exception:  # noqa: BLE001 - a broken object still gets a stable digest
            h.update(f"broken:{xref}".encode())
        cache[xref] = h.hexdigest()
    return cache[xref]


def page_fingerprint(ctx: PageContext) -> str:
    """A content hash of one page: size, rotation, content streams, fonts, images and forms.

    The same page inside two different files hashes the same; a changed glyph or image does not.
    Image inputs hash the file bytes and the frame number.
    """
    h = hashlib.sha256()
    if ctx.source.is_image:
        h.update(ctx.source.sha256.encode())
        h.update(str(ctx.index).encode())
        return h.hexdigest()
    page = ctx.page
    h.update(f"{page.rect!r}|{page.rotation}|{page.cropbox!r}".encode())
    try:
        h.update(page.read_contents())
    except Exception:  # noqa: BLE001
        h.update(b"unreadable-contents")
    for item in page.get_fonts(full=True):
        h.update(f"F{item[3]}|{item[4]}".encode())
        h.update(_xref_digest(ctx, item[0]).encode())
    for item in page.get_images(full=True):
        h.update(f"I{item[7]}".encode())
        h.update(_xref_digest(ctx, item[0]).encode())
    for item in page.get_xobjects():
        h.update(f"X{item[1]}".encode())
        h.update(_xref_digest(ctx, item[0]).encode())
    for link in page.get_links():
        h.update(repr((link.get("uri"), link.get("page"), tuple(link["from"]))).encode())
    return h.hexdigest()


def cache_key(fingerprint: str, engine: str, version: str, options: dict[str, Any]) -> str:
    """The cache key for one page under one engine configuration."""
    blob = json.dumps([fingerprint, engine, version, options], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


class PageCache:
    """Engine outputs on disk, keyed by :func:`cache_key`."""

    def __init__(self, directory: str | Path | None = None) -> None:
        self.directory = Path(directory) if directory else default_cache_dir()

    def _path(self, key: str) -> Path:
        return self.directory / "pages" / key[:2] / f"{key}.json"

    def get(self, key: str) -> EngineOutput | None:
        from docai.engines.base import EngineOutput

        path = self._path(key)
        try:
            output = EngineOutput.model_validate_json(path.read_bytes())
            with contextlib.suppress(OSError):
                os.utime(path)  # a hit keeps the entry young for prune()
            return output
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return None  # a torn or stale entry is a miss, never an error

    def prune(self, older_than_s: float, *, dry_run: bool = False) -> PruneReport:
        """Remove entries not written or read for ``older_than_s`` seconds."""
        return prune_tree(self.directory / "pages", older_than_s, dry_run=dry_run)

    def put(self, key: str, output: EngineOutput) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(output.model_dump_json().encode())
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only or full cache directory must not fail the conversion
