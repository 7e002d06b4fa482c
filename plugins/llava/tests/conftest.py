"""Tiny LLaVA checkpoints (1.5, NeXT and OneVision), built once per session; one CPU thread."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docai.plugins.testing import one_torch_thread


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    with one_torch_thread():
        yield


@pytest.fixture(scope="session")
def tiny_llava(tmp_path_factory) -> Path:
    from docai_llava.tiny import write_tiny_llava

    return write_tiny_llava(tmp_path_factory.mktemp("llava"), variant="llava")


@pytest.fixture(scope="session")
def tiny_llava_next(tmp_path_factory) -> Path:
    from docai_llava.tiny import write_tiny_llava

    return write_tiny_llava(tmp_path_factory.mktemp("llava-next"), variant="llava_next")


@pytest.fixture(scope="session")
def tiny_llava_onevision(tmp_path_factory) -> Path:
    from docai_llava.tiny import write_tiny_llava

    return write_tiny_llava(tmp_path_factory.mktemp("llava-onevision"), variant="llava_onevision")


@pytest.fixture(scope="session")
def load_llava():
    """A function: (model, processor) of a LLaVA-family checkpoint directory."""
    def load(directory: Path):
        from docai.models import load_model
        from docai_llava.model import KINDS

        model_type = json.loads((Path(directory) / "config.json").read_text())["model_type"]
        loaded = load_model(str(directory), kind=KINDS[model_type], device="cpu", dtype="float32")
        return loaded.model, loaded.processor

    return load
