"""Fixtures for the docai-clip tests: the installed plugin, a tiny checkpoint."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _cpu_only(monkeypatch):
    """Tests run on CPU in fp32 without docai's CPU timing probe."""
    monkeypatch.setenv("DOCAI_CPU_PROBE", "off")
    monkeypatch.setenv("DOCAI_DEVICE", "cpu")
    monkeypatch.delenv("DOCAI_DTYPE", raising=False)


@pytest.fixture(scope="session", autouse=True)
def _installed() -> None:
    """The plugin must be installed as a distribution: docai finds it through its entry point."""
    try:
        metadata.distribution("docai-clip")
    except metadata.PackageNotFoundError:
        pytest.fail("docai-clip is not installed: pip install --no-deps -e plugins/clip", pytrace=False)


@pytest.fixture(scope="session")
def tiny_clip(tmp_path_factory) -> Path:
    """A tiny random CLIP checkpoint directory."""
    from docai.models.tiny import write_tiny

    return write_tiny("clip", tmp_path_factory.mktemp("tiny-clip") / "clip")
