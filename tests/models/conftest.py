"""Fixtures for the model tests: tiny checkpoints built once per session, a guard against network use."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from docai.models import clear_model_cache, tiny_model_dir  # noqa: E402


@pytest.fixture(scope="session")
def tiny_root(tmp_path_factory) -> Path:
    return tmp_path_factory.getbasetemp() / "tiny-models"


@pytest.fixture(scope="session")
def tiny_nougat(tiny_root) -> Path:
    return tiny_model_dir("nougat", tiny_root)


@pytest.fixture(scope="session")
def tiny_donut(tiny_root) -> Path:
    return tiny_model_dir("donut", tiny_root)


@pytest.fixture(autouse=True)
def _fresh_model_cache():
    clear_model_cache()
    yield
    clear_model_cache()


@pytest.fixture
def no_network(monkeypatch) -> list:
    """Record (and refuse) every attempt to open a network connection; the list must stay empty."""
    attempts: list = []

    def refuse(*args, **kwargs):
        attempts.append(args[1:] or kwargs)
        raise OSError("network access attempted in a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: refuse(None, *a, **k))
    return attempts
