"""What routes get from the app: the settings and the job functions (``docai.queue.jobs`` by default)."""

from __future__ import annotations

from typing import Any, Protocol

from fastapi import Request

from docai.queue.uploads import Upload
from docai.settings import Settings
from schemas.jobs import JobStatus


class JobBackend(Protocol):
    """The job functions the API calls (the ``docai.queue.jobs`` module satisfies this)."""

    def submit_convert(self, data: Upload, filename: str, options: Any, *, settings: Settings | None = None
                       ) -> JobStatus: ...

    def submit_ask(self, data: Upload, filename: str, question: str, options: Any, *,
                   settings: Settings | None = None) -> JobStatus: ...

    def submit_plugin(self, inputs: list[tuple[Upload, str]], model: str, capability: Any,
                      request: dict | None = None, options: dict | None = None, *, pages: str | None = None,
                      settings: Settings | None = None) -> JobStatus: ...

    def get_status(self, job_id: str, *, settings: Settings | None = None) -> JobStatus: ...

    def get_result(self, job_id: str, *, settings: Settings | None = None) -> Any: ...


def settings_of(request: Request) -> Settings:
    """The app's settings."""
    return request.app.state.settings


def jobs_of(request: Request) -> JobBackend:
    """The app's job functions."""
    return request.app.state.jobs
