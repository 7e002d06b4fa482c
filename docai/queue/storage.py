"""Blob storage for queued jobs: uploaded documents, page-batch results and finished results.

:class:`Storage` is the interface (put/get/exists/delete by key) so that an S3-style store can replace
:class:`LocalStorage`. Keys are validated before any store sees them: a key is made by docai, never
taken from a client as a path, and it can never name anything outside the store.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import re
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path

from docai.errors import ConfigError, StorageError, StorageFullError
from docai.prune import PruneReport, prune_tree

log = logging.getLogger(__name__)

#: errnos that mean "no room": the disk or the user's quota is full
_FULL = {errno.ENOSPC, errno.EDQUOT}

#: slash-separated segments of letters, digits, ``_``, ``-`` and ``.``; no segment starts with a dot
_KEY = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}(/[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}){0,7}$")


def check_key(key: str) -> str:
    """Return ``key`` if it is a valid storage key, else raise :class:`ValueError`."""
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValueError(f"invalid storage key {key!r}")
    return key


def document_key(data: bytes) -> str:
    """The content-addressed key of a document: the same bytes are stored once."""
    return f"documents/{hashlib.sha256(data).hexdigest()}"


class Storage(ABC):
    """Bytes by key. Implementations must make ``put`` atomic: a reader sees the old value, or the new."""

    @abstractmethod
    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` (replacing what was there)."""

    @abstractmethod
    def get(self, key: str) -> bytes:
        """The bytes under ``key``; :class:`KeyError` if there are none."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Whether ``key`` holds something."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove ``key`` (no error if it is absent)."""

    def touch(self, key: str) -> None:  # noqa: B027 - optional: stores without ages need nothing here
        """Mark ``key`` as used now, so :meth:`prune` keeps it (a no-op for stores without ages)."""

    def prune(self, older_than_s: float, *, dry_run: bool = False) -> PruneReport:
        """Remove what was last written or used more than ``older_than_s`` ago."""
        raise NotImplementedError(f"{type(self).__name__} cannot prune")

    def put_file(self, key: str, path: Path) -> None:
        """Store the file at ``path`` under ``key`` and remove ``path`` (stores may move it in place)."""
        self.put(key, path.read_bytes())
        path.unlink(missing_ok=True)

    def put_document(self, data: bytes) -> str:
        """Store a document content-addressed and return its key (stored once however often submitted)."""
        key = document_key(data)
        if self.exists(key):
            self.touch(key)  # a new job uses it: keep it as long as a new upload
        else:
            self.put(key, data)
        return key

    def put_document_file(self, path: Path, sha256: str) -> str:
        """Store the document file at ``path`` (whose SHA-256 is ``sha256``) content-addressed, consuming
        ``path``, and return its key."""
        key = f"documents/{sha256}"
        if self.exists(key):
            self.touch(key)
            path.unlink(missing_ok=True)
        else:
            self.put_file(key, path)
        return key


def storage_failure(action: str, where: object, exc: OSError) -> StorageError:
    """The one-line error for an OSError of the store: no path in it (the log gets the details)."""
    log.error("job storage: cannot %s %s: %s", action, where, exc)
    if exc.errno in _FULL:
        return StorageFullError(f"job storage is full: cannot {action} (the server log has the details)")
    return StorageError(f"job storage cannot {action}: {exc.strerror or type(exc).__name__} "
                        "(the server log has the details)")


class LocalStorage(Storage):
    """Files under one directory (a local disk or a volume shared by the workers)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        return self.root / "blobs" / check_key(key)

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise storage_failure(f"write {key}", path, exc) from None

    def put_file(self, key: str, path: Path) -> None:
        target = self._path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)  # staged in this store's root: the same file system
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise storage_failure(f"write {key}", target, exc) from None
            super().put_file(key, path)

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise KeyError(key) from None
        except OSError as exc:  # a directory or an unreadable file where a blob should be
            raise storage_failure(f"read {key}", path, exc) from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def touch(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.utime(self._path(key))

    def prune(self, older_than_s: float, *, dry_run: bool = False) -> PruneReport:
        # incoming/ holds uploads being staged: only a process killed mid-upload leaves one behind
        report = prune_tree(self.root / "blobs", older_than_s, dry_run=dry_run)
        return report.add(prune_tree(self.root / "incoming", older_than_s, dry_run=dry_run))


def storage_for(location: str | Path) -> Storage:
    """The store at ``location``: a directory path (``file://`` allowed). Other schemes are for plugins."""
    text = str(location)
    if "://" in text and not text.startswith("file://"):
        raise ConfigError(f"unsupported storage location {text!r}: use a directory path")
    return LocalStorage(text.removeprefix("file://"))
