"""Uploaded documents staged on disk, never whole in memory twice.

:func:`staged_upload` copies an upload (bytes or a binary stream, such as the spooled file of a
multipart request) in 1 MiB chunks into a private file in the storage's ``incoming/`` directory,
hashing it on the way and refusing it past the upload limit; the file is removed when the ``with``
block ends unless storage took it (:meth:`docai.queue.storage.Storage.put_document_file`). Errors name no path.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from docai.errors import InputError, LimitExceededError
from docai.queue.storage import storage_failure

#: what a job can be submitted from: the document's bytes or a binary stream positioned at its start
Upload = bytes | bytearray | memoryview | BinaryIO

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StagedUpload:
    """An upload on disk: where it is, its SHA-256 and its size."""

    path: Path
    sha256: str
    size: int

    def open(self, name: str) -> NamedStream:
        """The staged file as a binary stream that calls itself ``name`` (never the staging path)."""
        return NamedStream(self.path.open("rb"), name)


class NamedStream:
    """A read-only binary stream with a display name of our choosing (``open()`` names it by its path)."""

    def __init__(self, raw: BinaryIO, name: str) -> None:
        self.raw = raw
        self.name = name

    def read(self, size: int = -1) -> bytes:
        return self.raw.read(size)

    def close(self) -> None:
        self.raw.close()


@contextmanager
def staged_upload(upload: Upload, directory: Path, max_bytes: int, label: str) -> Iterator[StagedUpload]:
    """Stage ``upload`` under ``directory`` (see the module doc); ``label`` names it in errors."""
    if isinstance(upload, bytearray | memoryview):
        upload = bytes(upload)
    if not isinstance(upload, bytes) and not callable(getattr(upload, "read", None)):
        raise InputError("a job needs the document's bytes or a binary stream")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=directory, prefix="upload-")
    except OSError as exc:
        raise storage_failure("stage an upload", directory, exc) from None
    path = Path(name)
    try:
        digest, size = _copy(upload, fd, max_bytes, label)
        yield StagedUpload(path=path, sha256=digest, size=size)
    finally:
        path.unlink(missing_ok=True)


def _copy(upload: Upload, fd: int, max_bytes: int, label: str) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in _chunks(upload):
                size += len(chunk)
                if max_bytes and size > max_bytes:
                    raise LimitExceededError(f"{label}: the upload is over the limit of {max_bytes:,} bytes "
                                             "(DOCAI_MAX_UPLOAD_BYTES)")
                digest.update(chunk)
                out.write(chunk)
    except OSError as exc:
        raise storage_failure("stage an upload", "the incoming directory", exc) from None
    return digest.hexdigest(), size


def _chunks(upload: Upload) -> Iterator[bytes]:
    if isinstance(upload, bytes):
        view = memoryview(upload)
        for start in range(0, len(view), CHUNK):
            yield bytes(view[start:start + CHUNK])
        return
    seekable = getattr(upload, "seekable", None)
    if callable(seekable) and seekable():
        upload.seek(0)
    while chunk := upload.read(CHUNK):
        yield chunk
