"""API fixtures: a real redis-server per session, settings with a private storage dir, the app
with the real ``docai.queue.jobs`` functions (recorded), and a live uvicorn server for the client."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from docai.settings import Settings
from tests.support.cluster import RedisServer, free_port


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> Iterator[str]:
    """A throwaway redis-server (no persistence) for the whole session."""
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server.url
    finally:
        server.kill()


@pytest.fixture
def storage_dir(tmp_path) -> Path:
    return tmp_path / "storage"


@pytest.fixture
def settings(redis_url, storage_dir) -> Settings:
    """Settings on the session redis with this test's own storage and a 1 MiB upload limit."""
    return Settings(broker_url=redis_url, storage_dir=storage_dir, max_upload_bytes=1024 * 1024)


class RecordingJobs:
    """The real ``docai.queue.jobs`` functions, with every call recorded (to prove what never got called)."""

    def __init__(self) -> None:
        from docai.queue import jobs

        self.jobs = jobs
        self.calls: list[tuple[str, tuple]] = []
        self.returned: list[tuple[str, object]] = []

    def __getattr__(self, name: str):
        func = getattr(self.jobs, name)

        def recorded(*args, **kwargs):
            self.calls.append((name, args))
            result = func(*args, **kwargs)
            self.returned.append((name, result))
            return result

        return recorded


@pytest.fixture
def jobs() -> RecordingJobs:
    return RecordingJobs()


@pytest.fixture
def make_app(settings, jobs):
    """``make_app(**setting_overrides)``: the app over the recorded real job functions."""
    from docai.api import create_app

    def make(**overrides):
        return create_app(settings.model_copy(update=overrides), job_backend=jobs)

    return make


@pytest.fixture
def api(make_app) -> Iterator[TestClient]:
    """A TestClient on the app with default test settings."""
    with TestClient(make_app()) as client:
        yield client


@pytest.fixture
def serve() -> Iterator:
    """``serve(app) -> base URL``: the app on a real uvicorn on a free port, stopped after the test."""
    import uvicorn

    running: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(app) -> str:
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        running.append((server, thread))
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                pytest.fail("uvicorn did not start")
            time.sleep(0.02)
        return f"http://127.0.0.1:{port}"

    try:
        yield start
    finally:
        for server, _ in running:
            server.should_exit = True
        for _, thread in running:
            thread.join(timeout=10)


@pytest.fixture
def live_url(make_app, serve) -> str:
    """The app with the default test settings on a real uvicorn (for the Python client)."""
    return serve(make_app())
