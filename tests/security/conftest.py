"""Fixtures for the replayed attacks: real redis-server, uvicorn and celery worker processes."""

from __future__ import annotations

# the API fixtures (real redis-server, the app over the real job functions) for the HTTP replays
from tests.api.conftest import api, jobs, make_app, redis_url, settings, storage_dir  # noqa: F401

# real clusters built with options, all killed after (the workers' fixture)
from tests.workers.conftest import make_cluster  # noqa: F401
