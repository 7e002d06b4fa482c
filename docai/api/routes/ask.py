"""Document questions: ``POST /v1/ask`` queues a DocVQA job; its result is the answer JSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse

from docai.api.deps import jobs_of, settings_of
from docai.api.errors import ApiError
from docai.api.routes.jobs import accepted, errors
from docai.api.validation import check_model_name, clean_filename
from docai.queue.policy import MAX_QUESTION_CHARS
from schemas.jobs import JobStatus

router = APIRouter(prefix="/v1", tags=["ask"])


@router.post("/ask", status_code=202, response_model=JobStatus, summary="Ask a question about a document",
             responses=errors(400, 401, 413, 415, 422, 503))
def ask(
    request: Request,
    file: Annotated[UploadFile, File(description="the PDF or image")],
    question: Annotated[str, Form(min_length=1, max_length=MAX_QUESTION_CHARS, description="the question")],
    model: Annotated[str, Form(min_length=1, description="DocVQA model name (hub id), e.g. 'owner/donut-docvqa'")],
    pages: Annotated[str | None, Form(description="1-based selection like '1-3'; empty = all")] = None,
) -> JSONResponse:
    """Queue a question; poll ``GET /v1/jobs/{job_id}``, then ``GET /v1/jobs/{job_id}/result`` gives
    the answer, the page it came from and its confidence."""
    if not question.strip():
        raise ApiError(422, "invalid_request", "question: the question is empty")
    settings = settings_of(request)
    filename = clean_filename(file.filename)
    status = jobs_of(request).submit_ask(file.file, filename, question.strip(), check_model_name(model),
                                         pages or None, settings=settings)
    return accepted(request, status)
