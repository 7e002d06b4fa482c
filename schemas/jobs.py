"""Job contracts for the queue and the HTTP API: requests, states, statuses."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from schemas.plugins import PluginJobRequest


class JobKind(StrEnum):
    convert = "convert"
    ask = "ask"  # document VQA
    plugin = "plugin"  # a plugin model's capability over images and PDF pages


class JobState(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


class JobRequest(BaseModel):
    """What a client submits. The document itself travels by reference (``document_ref`` in storage)."""

    model_config = ConfigDict(extra="forbid")

    kind: JobKind = JobKind.convert
    document_ref: str = Field(description="storage key of the uploaded document")
    filename: str = ""
    options: dict[str, Any] = Field(default_factory=dict, description="ConvertOptions fields")
    question: str | None = Field(default=None, description="for ask jobs")
    model: str | None = Field(default=None, description="for ask jobs: Donut DocVQA checkpoint")
    plugin: PluginJobRequest | None = Field(default=None, description="for plugin jobs: model, capability, request")


class JobStatus(BaseModel):
    """Where a job stands; ``pages_done``/``pages_total`` give progress at any time."""

    model_config = ConfigDict(extra="forbid")

    job_id: str
    kind: JobKind = JobKind.convert
    state: JobState
    pages_done: int = 0
    pages_total: int = 0
    error: str | None = None
    error_code: str | None = None
    submitted_at: datetime | None = None
    finished_at: datetime | None = None
