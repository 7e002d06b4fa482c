"""``GET /healthz``: the process is up (no auth, no queue round trip). ``GET /readyz``: the queue's Redis
answers too, so the API can accept jobs (for load balancers and orchestrators)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from docai import __version__
from docai.api.deps import settings_of
from docai.settings import Settings

log = logging.getLogger("docai.api")

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str = "ok"
    version: str = __version__


@router.get("/healthz", response_model=Health, summary="Liveness check")
def healthz() -> Health:
    """Answers 200 while the API process serves requests."""
    return Health()


@router.get("/readyz", response_model=Health, summary="Readiness check",
            responses={503: {"description": "the queue's Redis does not answer"}})
def readyz(settings: Settings = Depends(settings_of)):  # noqa: B008 - FastAPI's dependency idiom
    """200 when the broker and job-state Redis answer a ping, else 503 with the reason."""
    import redis

    from docai.queue.store import redis_client, safe_url

    for url in dict.fromkeys((settings.broker_url, settings.state_url)):
        try:
            redis_client(url).ping()
        except redis.exceptions.RedisError as exc:  # the address goes to the log, never to a client
            log.warning("readyz: the queue's Redis at %s does not answer: %s", safe_url(url), exc)
            return JSONResponse(status_code=503, content={"error": "queue_unavailable",
                                                          "message": "the queue's Redis does not answer"})
    return Health(status="ready")
