"""Fixtures for the docai-blip tests: the installed plugin, tiny checkpoints of its three kinds."""

from __future__ import annotations

from pathlib import Path

import pytest

from docai.plugins.testing import plain_cpu_env, require_distribution


@pytest.fixture(autouse=True)
def _cpu_only(monkeypatch):
    plain_cpu_env(monkeypatch)


@pytest.fixture(scope="session", autouse=True)
def _installed() -> None:
    require_distribution("docai-blip", "plugins/blip")


@pytest.fixture(scope="session")
def tiny_blip(tmp_path_factory) -> dict[str, Path]:
    """kind → a tiny random checkpoint directory, for ``blip``, ``blip-vqa`` and ``blip-itm``."""
    from docai.models.tiny import write_tiny

    root = tmp_path_factory.mktemp("tiny-blip")
    return {kind: write_tiny(kind, root / kind) for kind in ("blip", "blip-vqa", "blip-itm")}
