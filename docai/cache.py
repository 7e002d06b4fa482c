"""The per-page result cache: (page content hash, engine, engine version, options) → engine output.

The content hash is :func:`docai.fingerprint.page_fingerprint`; a page without one is never cached.

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

from docai.fingerprint import page_fingerprint
from docai.prune import PruneReport, prune_tree

if TYPE_CHECKING:
    from docai.engines.base import EngineOutput

__all__ = ["PageCache", "cache_key", "default_cache_dir", "page_fingerprint"]


def default_cache_dir() -> Path:
    """``$DOCAI_CACHE_DIR``, else ``$XDG_CACHE_HOME/docai``, else ``~/.cache/docai``."""
    if env := os.environ.get("DOCAI_CACHE_DIR"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "docai"


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
        """Store ``output`` under ``key`` atomically; a full or read-only cache leaves nothing behind."""
        path = self._path(key)
        tmp = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(output.model_dump_json().encode())
            os.replace(tmp, path)
            tmp = None
        except OSError:
            pass  # a read-only or full cache directory must not fail the conversion
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
