"""Secrets a queued job needs (a PDF password) sealed with a server key before they reach Redis.

Redis keeps what it is sent in its append-only file, so a password written in clear stays on disk long
after the job forgot it. :class:`Sealer` encrypts such values (Fernet: AES-128-CBC + HMAC-SHA256, from
``cryptography``) with the server key, and only the processes holding the key — the API and the
workers — can open them. The key is ``DOCAI_SECRET_KEY`` when set (any string; it is stretched with
SHA-256), else the file ``secret.key`` in the storage directory, created on first use with mode 0600.
Redis then holds only ciphertext; whoever reads both the storage volume and Redis can decrypt.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import threading
from pathlib import Path

from docai.errors import ConfigError, JobError
from docai.queue.storage import storage_failure

PREFIX = "sealed:v1:"
KEY_FILE = "secret.key"


class Sealer:
    """Seals and opens short secrets with the server key (loaded, or created, on first use)."""

    def __init__(self, secret: str | None, storage_dir: Path) -> None:
        self._secret = secret
        self._key_file = storage_dir / KEY_FILE
        self._fernet = None
        self._lock = threading.Lock()

    def seal(self, value: str) -> str:
        """``value`` encrypted, as text marked with :data:`PREFIX`."""
        return PREFIX + self._box().encrypt(value.encode()).decode("ascii")

    def open(self, sealed: str) -> str:
        """The value :meth:`seal` sealed; :class:`JobError` if the key cannot open it (key changed)."""
        if not is_sealed(sealed):
            raise JobError("a job secret was stored unsealed; refusing to use it")
        from cryptography.fernet import InvalidToken

        try:
            return self._box().decrypt(sealed[len(PREFIX):].encode("ascii")).decode()
        except (InvalidToken, ValueError):
            raise JobError("a job secret cannot be opened with this server's key (DOCAI_SECRET_KEY or "
                           "secret.key differs between the API and the workers)") from None

    def _box(self):
        with self._lock:
            if self._fernet is None:
                try:
                    from cryptography.fernet import Fernet
                except ImportError:
                    raise ConfigError("PDF passwords on the queue need 'cryptography': "
                                      "pip install 'docai[service]'") from None
                self._fernet = Fernet(fernet_key(self._secret or load_or_create_key(self._key_file)))
            return self._fernet


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def fernet_key(secret: str) -> bytes:
    """A Fernet key from any secret string (SHA-256 of it, base64)."""
    return base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest())


def load_or_create_key(path: Path) -> str:
    """The key in ``path``, created (32 random bytes, mode 0600, atomically) if there is none."""
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(base64.urlsafe_b64encode(os.urandom(32)).decode() + "\n")
        with contextlib.suppress(FileExistsError):  # create-if-absent: a loser of the race reads the winner's key
            os.link(tmp, path)
    except OSError as exc:
        raise storage_failure("create the server key", path, exc) from None
    finally:
        tmp.unlink(missing_ok=True)
    return _read_key(path)


def _read_key(path: Path) -> str:
    key = path.read_text().strip()
    if not key:
        raise ConfigError(f"the server key file {KEY_FILE} in the storage directory is empty")
    return key
