"""Real ``redis-server`` and ``celery worker`` processes for the job system tests.

Every Redis runs on a free loopback port in a tmp dir (never the shared one on 6379); every worker runs
in its own process group and is killed with it. Timeouts are short so the reliability tests stay fast.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cluster import Cluster


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    """A fresh Redis and settings; start workers with ``cluster.worker()``. Everything is killed after."""
    c = Cluster(tmp_path)
    try:
        yield c
    finally:
        c.close()


@pytest.fixture
def make_cluster(tmp_path_factory) -> Iterator:
    """Build clusters with options (``aof=True``, settings as DOCAI_* variables)."""
    made: list[Cluster] = []

    def make(**kwargs) -> Cluster:
        made.append(Cluster(tmp_path_factory.mktemp("cluster"), **kwargs))
        return made[-1]

    try:
        yield make
    finally:
        for c in made:
            c.close()


@pytest.fixture(scope="session")
def shared_cluster(tmp_path_factory) -> Iterator[Cluster]:
    """One Redis and one worker shared by the tests whose jobs are independent of each other."""
    c = Cluster(tmp_path_factory.mktemp("shared"))
    try:
        c.worker()
        yield c
    finally:
        c.close()


@pytest.fixture
def redis_only(cluster: Cluster) -> Cluster:
    """A Redis and settings with no worker: for submit-time checks and the job steps called directly."""
    return cluster


def strip_run_details(document) -> dict:
    """A Document's dump without what legitimately differs between runs: timings and cache flags."""
    data = document.model_dump(mode="json", exclude={"timings"})
    for page in data["pages"]:
        page.pop("timings")
        page.pop("cached")
    return data
