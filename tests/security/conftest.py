"""Fixtures for the replayed attacks: real redis-server, uvicorn and celery worker processes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.cluster import Cluster


@pytest.fixture
def make_cluster(tmp_path_factory) -> Iterator:
    """Build clusters with options (``aof=True``, settings as DOCAI_* variables); all killed after."""
    made: list[Cluster] = []

    def make(**kwargs) -> Cluster:
        made.append(Cluster(tmp_path_factory.mktemp("cluster"), **kwargs))
        return made[-1]

    try:
        yield make
    finally:
        for c in made:
            c.close()


# the API fixtures (real redis-server, the app over the real job functions) for the HTTP replays
from tests.api.conftest import api, jobs, make_app, redis_url, settings, storage_dir  # noqa: E402, F401
