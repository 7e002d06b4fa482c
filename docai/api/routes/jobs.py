"""Conversion jobs: ``POST /v1/jobs``, ``GET /v1/jobs/{id}``, ``GET /v1/jobs/{id}/result``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import ValidationError

from docai.api.deps import jobs_of, settings_of
from docai.api.errors import STATUS_BY_ERROR, ApiError, ErrorBody, status_for
from docai.api.forms import form_values, with_form_fields
from docai.api.validation import check_job_id, clean_filename
from docai.errors import ConfigError, JobError, validation_message
from docai.options import ConvertOptions, remote_convert_fields
from docai.plugins.generated import generated_images, png_bytes
from schemas.document import Document
from schemas.donut import Answer
from schemas.jobs import JobKind, JobState, JobStatus
from schemas.plugins import PluginResult

router = APIRouter(prefix="/v1", tags=["jobs"])


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for error responses, all with the :class:`ErrorBody` shape."""
    return {status: {"model": ErrorBody} for status in statuses}


def accepted(request: Request, status: JobStatus) -> JSONResponse:
    """202 with the job's status and where to poll it."""
    location = str(request.url_for("job_status", job_id=status.job_id).path)
    return JSONResponse(status.model_dump(mode="json"), status_code=202, headers={"Location": location})


def submit_job(
    request: Request,
    file: Annotated[UploadFile, File(description="the PDF or image (PNG, JPEG, TIFF)")],
    **options: Any,
) -> JSONResponse:
    """Queue a conversion. The document is checked (type, size, pages, password) before the job is
    accepted; poll ``GET /v1/jobs/{job_id}`` for progress, then fetch the result. The form fields are the
    options a queued conversion may set (``pages``, ``engine``, ``describe_figures`` …) and every installed
    engine's options, named ``<engine>_<field>`` (``ocr_dpi``, ``nougat_model`` …); a model option takes a
    model name, never a path."""
    settings = settings_of(request)
    filename = clean_filename(file.filename)
    try:
        converted = ConvertOptions(**form_values(options, remote_convert_fields()))
    except ConfigError as exc:  # a bad field of the request (unknown engine, a forced engine without its
        raise ApiError(422, "invalid_request", str(exc)) from None  # model), as FastAPI reports its own
    except ValidationError as exc:
        raise ApiError(422, "invalid_request", validation_message(exc.errors())) from None
    status = jobs_of(request).submit_convert(file.file, filename, converted, settings=settings)
    return accepted(request, status)


router.post("/jobs", status_code=202, response_model=JobStatus, summary="Submit a PDF or image for conversion",
            responses=errors(400, 401, 413, 415, 422, 503))(
    with_form_fields(submit_job, remote_convert_fields().values()))


def lookup(request: Request, job_id: str) -> JobStatus:
    """The status of a job whose id has the right shape; 404 for an unknown one."""
    check_job_id(job_id)
    try:
        return jobs_of(request).get_status(job_id, settings=settings_of(request))
    except JobError as exc:
        if status_for(exc) != STATUS_BY_ERROR[JobError]:
            raise  # e.g. the queue is unreachable: 503, not "no such job"
        raise ApiError(404, "job_not_found", str(exc), job_id=job_id) from None


@router.get("/jobs/{job_id}", response_model=JobStatus, name="job_status", summary="A job's state and progress",
            responses=errors(401, 404, 503))
def job_status(request: Request, job_id: str) -> JobStatus:
    """Where the job stands: ``queued``, ``running`` (with ``pages_done`` of ``pages_total``),
    ``succeeded`` or ``failed`` (with ``error`` and ``error_code``)."""
    return lookup(request, job_id)


def finished(request: Request, job_id: str) -> JobStatus:
    """The status of a job that succeeded; 409 while it runs, 422 with its error once it failed."""
    status = lookup(request, job_id)
    if status.state in (JobState.queued, JobState.running):
        progress = f" ({status.pages_done}/{status.pages_total} pages)" if status.pages_total else ""
        raise ApiError(409, "job_not_finished", f"job {job_id} is {status.state.value}{progress}", job_id=job_id)
    if status.state is JobState.failed:
        raise ApiError(422, "job_failed", status.error or "the job failed", job_id=job_id,
                       cause=status.error_code)
    return status


def stored_result(request: Request, job_id: str) -> Document | dict[str, Any]:
    """The stored result of a job that succeeded; 410 when it is gone from storage."""
    try:
        return jobs_of(request).get_result(job_id, settings=settings_of(request))
    except JobError as exc:
        if status_for(exc) != STATUS_BY_ERROR[JobError]:
            raise
        raise ApiError(410, "result_gone", str(exc), job_id=job_id) from None


#: the markdown alternative next to the JSON models in the OpenAPI document
RESULT_CONTENT = {"text/markdown": {"schema": {"type": "string"}}}


@router.get("/jobs/{job_id}/result", response_model=Document | Answer | PluginResult, summary="A finished job's result",
            responses={200: {"content": RESULT_CONTENT}, **errors(401, 404, 409, 410, 422, 503)})
def job_result(request: Request, job_id: str,
               format: Annotated[Literal["json", "md"], Query(description="json: the Document; md: markdown")]
               = "json") -> Response:
    """The Document JSON (``format=json``) or its markdown (``format=md``) of a conversion job; for
    an ask job, the answer JSON. 409 while the job is not finished, 422 with the job's error if it
    failed."""
    status = finished(request, job_id)
    result = stored_result(request, job_id)
    if isinstance(result, Document):
        if format == "md":
            return PlainTextResponse(result.markdown, media_type="text/markdown; charset=utf-8")
        return JSONResponse(result.model_dump(mode="json"))
    if format == "md":
        raise ApiError(422, "invalid_request", f"job {job_id} is an {status.kind.value} job: its result is JSON only "
                       "(use format=json)", job_id=job_id)
    return JSONResponse(result.model_dump(mode="json") if hasattr(result, "model_dump") else result)


@router.get("/jobs/{job_id}/images/{index}", name="job_image", response_class=Response,
            summary="One image a generate_image job drew, as PNG",
            responses={200: {"content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}},
                       **errors(401, 404, 409, 410, 422, 503)})
def job_image(request: Request, job_id: str,
              index: Annotated[int, PathParam(ge=0, le=1000, description="the prompt's position, from 0")]) -> Response:
    """The PNG of prompt ``index`` of a finished ``generate_image`` plugin job (the same bytes as the base64
    ``png_base64`` of ``answers[index]`` in its result). 404 past the last image, 422 for a job that drew none."""
    status = finished(request, job_id)
    if status.kind is not JobKind.plugin:
        raise ApiError(422, "invalid_request", f"job {job_id} is a {status.kind.value} job: it drew no images",
                       job_id=job_id)
    try:
        images = generated_images(stored_result(request, job_id))
    except ConfigError as exc:
        raise ApiError(422, "invalid_request", f"job {job_id}: {exc}", job_id=job_id) from None
    if index >= len(images):
        raise ApiError(404, "not_found", f"job {job_id} drew {len(images)} image(s): there is no image {index}",
                       job_id=job_id)
    return Response(png_bytes(images[index]), media_type="image/png",
                    headers={"Content-Disposition": f'inline; filename="{job_id}-{index}.png"'})
