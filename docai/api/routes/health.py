"""``GET /healthz``: the process is up (no auth, no queue round trip)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from docai import __version__

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str = "ok"
    version: str = __version__


@router.get("/healthz", response_model=Health, summary="Liveness check")
def healthz() -> Health:
    """Answers 200 while the API process serves requests."""
    return Health()
