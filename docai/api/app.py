"""The FastAPI application: ``create_app()`` wires settings, job functions, auth, limits and errors.

``uvicorn --factory docai.api.app:create_app`` (what ``docai serve`` runs) reads the settings from
the ``DOCAI_*`` environment.
"""

from __future__ import annotations

from fastapi import Depends, FastAPI

from docai import __version__
from docai.api.auth import ApiKeyMiddleware, document_api_key
from docai.api.deps import JobBackend
from docai.api.errors import install_error_handlers
from docai.api.limits import FORM_OVERHEAD_BYTES, BodyLimitMiddleware
from docai.api.routes import ask, health, jobs, models
from docai.settings import Settings

DESCRIPTION = """PDFs and images to markdown and JSON, and questions about documents, on the docai queue.

Submit a document (`POST /v1/jobs`), poll its status (`GET /v1/jobs/{job_id}`), fetch the result
(`GET /v1/jobs/{job_id}/result?format=md|json`). Every error is a JSON body `{"error", "message"}`.
When the server has `DOCAI_API_KEY` set, send it as `X-API-Key` or `Authorization: Bearer`.
"""


def create_app(settings: Settings | None = None, *, job_backend: JobBackend | None = None) -> FastAPI:
    """The API app for ``settings`` (default: from the environment). ``job_backend`` replaces the
    ``docai.jobs`` functions (for embedding the API in another process)."""
    settings = settings or Settings.from_env()
    if job_backend is None:
        from docai import jobs as job_backend  # the Celery side loads only when serving
    app = FastAPI(title="docai", version=__version__, description=DESCRIPTION)
    app.state.settings = settings
    app.state.jobs = job_backend
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.max_upload_bytes + FORM_OVERHEAD_BYTES,
                       timeout_s=settings.body_timeout_s, idle_s=settings.body_idle_timeout_s)
    app.add_middleware(ApiKeyMiddleware, api_key=settings.api_key)  # outermost: the key before the body
    app.include_router(health.router)
    secured = [Depends(document_api_key)]
    app.include_router(jobs.router, dependencies=secured)
    app.include_router(ask.router, dependencies=secured)
    app.include_router(models.router, dependencies=secured)
    return app
