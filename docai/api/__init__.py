"""The docai HTTP API (FastAPI) over the job functions of :mod:`docai.queue.jobs`."""

from docai.api.app import create_app

__all__ = ["create_app"]
