"""Fixtures for the docai-blip tests: the installed plugin, tiny checkpoints of its three kinds."""

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
        metadata.distribution("docai-blip")
    except metadata.PackageNotFoundError:
        pytest.fail("docai-blip is not installed: pip install --no-deps -e plugins/blip", pytrace=False)


@pytest.fixture(scope="session")
def tiny_blip(tmp_path_factory) -> dict[str, Path]:
    """kind → a tiny random checkpoint directory, for ``blip``, ``blip-vqa`` and ``blip-itm``."""
    from docai.models.tiny import write_tiny

    root = tmp_path_factory.mktemp("tiny-blip")
    return {kind: write_tiny(kind, root / kind) for kind in ("blip", "blip-vqa", "blip-itm")}
