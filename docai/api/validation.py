"""Checks on what a client sends before anything reaches storage or a worker.

Job ids must have the job-id shape before any lookup; file names are reduced to a plain base name
(metadata only, never a path); model names must look like hub ids, never filesystem paths.
"""

from __future__ import annotations

import re
import unicodedata

from docai.api.errors import ApiError
from docai.errors import JobError, ModelError
from docai.queue.policy import check_model_name as model_name_policy
from docai.queue.store import check_job_id as check_job_id_shape

MAX_FILENAME_CHARS = 200


def check_job_id(job_id: str) -> str:
    """``job_id`` if it has the job-id shape (32 hex digits), else a 404 that never reaches storage."""
    try:
        return check_job_id_shape(job_id)
    except JobError:
        raise ApiError(404, "job_not_found", "no such job (a job id is 32 hex digits)") from None


def clean_filename(name: str | None, default: str = "upload") -> str:
    """A client's file name reduced to a safe base name: directories, drive letters, control
    characters and leading dots removed, at most 200 characters. Used as metadata only."""
    text = unicodedata.normalize("NFC", name or "")
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    base = re.split(r"[/\\:]", text)[-1].strip().lstrip(".").strip()
    return base[:MAX_FILENAME_CHARS] or default


def check_model_name(name: str | None, *, field: str = "model") -> str | None:
    """A model name if it is shaped like a hub id ('name' or 'owner/name'), by the library's policy
    (:func:`docai.queue.policy.check_model_name`); a path is a 422 naming the form field."""
    if name is None or name == "":
        return None
    try:
        return model_name_policy(name, field)
    except ModelError as exc:
        raise ApiError(422, "invalid_request", str(exc)) from None
