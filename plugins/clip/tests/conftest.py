"""Fixtures for the docai-clip tests: the installed plugin, a tiny checkpoint."""

from __future__ import annotations

from pathlib import Path

import pytest

from docai.plugins.testing import plain_cpu_env, require_distribution


@pytest.fixture(autouse=True)
def _cpu_only(monkeypatch):
    plain_cpu_env(monkeypatch)


@pytest.fixture(scope="session", autouse=True)
def _installed() -> None:
    require_distribution("docai-clip", "plugins/clip")


@pytest.fixture(scope="session")
def tiny_clip(tmp_path_factory) -> Path:
    """A tiny random CLIP checkpoint directory."""
    from docai.models.tiny import write_tiny

    return write_tiny("clip", tmp_path_factory.mktemp("tiny-clip") / "clip")
