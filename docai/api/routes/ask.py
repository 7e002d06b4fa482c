"""Document questions: ``POST /v1/ask`` queues a DocVQA job; its result is the answer JSON.

Besides the file and the question, the form fields are derived from :class:`docai.engines.options.AskOptions`
(those a queued question may set: ``model``, ``task``, ``pages``, ``dpi`` …), like ``docai ask``'s flags.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse

from docai.api.deps import jobs_of, settings_of
from docai.api.errors import ApiError
from docai.api.forms import form_values, with_form_fields
from docai.api.routes.jobs import accepted, errors
from docai.api.validation import clean_filename
from docai.engines.options import AskOptions
from docai.errors import ConfigError
from docai.fields import remote_fields
from docai.queue.policy import MAX_QUESTION_CHARS
from schemas.jobs import JobStatus

router = APIRouter(prefix="/v1", tags=["ask"])


def ask(
    request: Request,
    file: Annotated[UploadFile, File(description="the PDF or image")],
    question: Annotated[str, Form(min_length=1, max_length=MAX_QUESTION_CHARS, description="the question")],
    **options: Any,
) -> JSONResponse:
    """Queue a question; poll ``GET /v1/jobs/{job_id}``, then ``GET /v1/jobs/{job_id}/result`` gives
    the answer, the page it came from and its confidence. ``model`` is a model name (hub id), never a path."""
    if not question.strip():
        raise ApiError(422, "invalid_request", "question: the question is empty")
    settings = settings_of(request)
    filename = clean_filename(file.filename)
    try:
        asked = AskOptions(**form_values(options, remote_fields(AskOptions)))
    except ConfigError as exc:
        raise ApiError(422, "invalid_request", str(exc)) from None
    status = jobs_of(request).submit_ask(file.file, filename, question.strip(), asked, settings=settings)
    return accepted(request, status)


router.post("/ask", status_code=202, response_model=JobStatus, summary="Ask a question about a document",
            responses=errors(400, 401, 413, 415, 422, 503))(with_form_fields(ask, remote_fields(AskOptions).values()))
