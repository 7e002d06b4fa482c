"""Plugin models over HTTP: ``GET /v1/models`` lists them; ``POST /v1/plugin-jobs`` queues a capability call.

A plugin job is fetched like a conversion job (``GET /v1/jobs/{id}``, ``GET /v1/jobs/{id}/result``); its
result is a ``PluginResult`` (JSON Schema ``plugin_result.schema.json``). The checkpoint of a model id must
be a model name (``blip:Salesforce/blip-image-captioning-base``), never a path on the server.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse

from docai.api.deps import jobs_of, settings_of
from docai.api.errors import ApiError
from docai.api.routes.jobs import accepted, errors
from docai.api.validation import check_model_name, clean_filename
from docai.errors import ConfigError
from schemas.jobs import JobStatus
from schemas.plugins import Capability, PluginListing

router = APIRouter(prefix="/v1", tags=["models"])


@router.get("/models", response_model=PluginListing, summary="Installed plugins and their model families",
            responses=errors(401))
def list_models() -> PluginListing:
    """Every model family the server's plugins provide (capabilities, options schema, plugin and version),
    and every plugin, broken ones with the reason."""
    from docai.plugins.models import model_records
    from docai.plugins.registry import get_registry

    registry = get_registry()
    return PluginListing(plugins=sorted(registry.plugins.values(), key=lambda p: p.name),
                         models=model_records(registry))


@router.post("/plugin-jobs", status_code=202, response_model=JobStatus, summary="Queue a plugin model call",
             responses=errors(400, 401, 413, 415, 422, 503))
def submit_plugin_job(
    request: Request,
    model: Annotated[str, Form(description="FAMILY:CHECKPOINT, the checkpoint a model name (hub id)")],
    capability: Annotated[Capability, Form(description="what to do with the inputs")],
    file: Annotated[list[UploadFile] | None, File(description="images or PDFs (repeat the field)")] = None,
    request_json: Annotated[str, Form(alias="request", description="the capability's request as JSON")] = "{}",
    options: Annotated[str, Form(description="the family's model options as JSON")] = "{}",
    pages: Annotated[str | None, Form(description="pages of PDF inputs, like '1-3'; empty = all")] = None,
) -> JSONResponse:
    """Queue ``capability`` of ``model`` over the uploaded files; poll ``GET /v1/jobs/{job_id}``, then
    ``GET /v1/jobs/{job_id}/result`` gives the answers."""
    family, _, checkpoint = model.partition(":")
    if checkpoint:
        check_model_name(checkpoint, field="model")
    uploads = [(upload.file, clean_filename(upload.filename)) for upload in file or []]
    try:
        status = jobs_of(request).submit_plugin(uploads, model, capability, _json(request_json, "request"),
                                                _json(options, "options"), pages=pages or None,
                                                settings=settings_of(request))
    except ConfigError as exc:
        raise ApiError(422, "invalid_request", str(exc)) from None
    return accepted(request, status)


def _json(text: str, field: str) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except RecursionError:
        raise ApiError(422, "invalid_request", f"{field}: JSON nested too deeply") from None
    except ValueError as exc:
        raise ApiError(422, "invalid_request", f"{field}: not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise ApiError(422, "invalid_request", f"{field}: must be a JSON object")
    return value
