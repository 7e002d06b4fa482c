"""The one error hierarchy of docai.

Every error a user can cause carries a short machine-readable ``code``, a one-line message and a
distinct process exit code, so the CLI prints one clear line and scripts can tell failures apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

#: where pydantic/FastAPI say a value came from, not part of its name
_SOURCES = {"body", "query", "path", "header", "form", "cookie"}


class DocaiError(Exception):
    """Base of every docai error. ``str(err)`` is the one-line message shown to users."""

    code = "error"
    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(DocaiError):
    """The input cannot be used as given."""

    code = "bad_input"
    exit_code = 2


class UnsupportedInputError(InputError):
    """Not a PDF or a supported image."""

    code = "unsupported_input"
    exit_code = 3


class CorruptDocumentError(InputError):
    """A PDF or image that is truncated or damaged beyond repair."""

    code = "corrupt_document"
    exit_code = 4


class EncryptedDocumentError(InputError):
    """A password is needed, or the one given is wrong."""

    code = "encrypted"
    exit_code = 5


class EmptyDocumentError(InputError):
    """The document has no pages."""

    code = "empty_document"
    exit_code = 6


class PageRangeError(InputError):
    """A page selection that does not parse or names pages the document does not have."""

    code = "page_range"
    exit_code = 7


class LimitExceededError(InputError):
    """Over a configured limit: file size, page count or image pixels."""

    code = "limit_exceeded"
    exit_code = 8


class ModelError(DocaiError):
    """A model cannot be found, loaded or run (missing weights, offline, unsafe format)."""

    code = "model_error"
    exit_code = 9


class JobError(DocaiError):
    """A queued job failed, or cannot be submitted or found."""

    code = "job_error"
    exit_code = 10


class PageTimeoutError(DocaiError):
    """One page took longer than the per-page time budget (recorded on that page only)."""

    code = "page_timeout"
    exit_code = 11


class TaskTimeoutError(PageTimeoutError):
    """A queued task reached its soft time limit: the page in progress and those after it are not done."""

    code = "task_timeout"


class ConfigError(DocaiError):
    """A setting or option that makes no sense."""

    code = "config_error"
    exit_code = 12


class DependencyError(ConfigError):
    """An optional dependency is not installed (e.g. torch for the neural engines)."""

    code = "missing_dependency"
    exit_code = 13


class StorageError(DocaiError):
    """Job storage cannot be read or written, or holds something damaged: the server's problem, never
    the request's (its message names no path; the server log has the details)."""

    code = "storage_error"
    exit_code = 14


class StorageFullError(StorageError):
    """Job storage has no room left for a document or a result."""

    code = "storage_full"
    exit_code = 15


#: top-level module → the extra that installs it
OPTIONAL_MODULES = {
    "torch": "models", "transformers": "models", "safetensors": "models", "tokenizers": "models",
    "rapidfuzz": "models", "huggingface_hub": "models",
    "celery": "service", "kombu": "service", "redis": "service", "fastapi": "service", "starlette": "service",
    "uvicorn": "service", "httpx": "service", "multipart": "service", "yaml": "service", "cryptography": "service",
}


def dependency_error(exc: ModuleNotFoundError) -> DependencyError | None:
    """The one-line :class:`DependencyError` for a missing optional module, or ``None`` for any other."""
    module = (exc.name or "").split(".")[0]
    extra = OPTIONAL_MODULES.get(module)
    if extra is None:
        return None
    return DependencyError(f"this needs {module!r}, which is not installed: pip install 'docai[{extra}]' "
                           "(with -c constraints.txt to keep the CPU torch)")


def validation_message(errors: Iterable[Mapping[str, Any]], prefix: str = "") -> str:
    """One line from pydantic (or FastAPI request) validation errors: ``field.sub: problem; field: problem``.

    ``prefix`` goes before every field name as is (``"options."``, ``"ocr_"``), so the message names the
    field as the caller wrote it. The one formatter of validation errors, for the HTTP API and the library.
    """
    parts = []
    for err in errors:
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in _SOURCES)
        problem = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        name = f"{prefix}{where}" if where else prefix.rstrip("._")
        parts.append(f"{name}: {problem}" if name else problem)
    return "; ".join(parts) or "invalid request"
