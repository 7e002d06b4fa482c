"""Tiny MiniGPT-4 checkpoints (both variants), built once per session, one CPU thread."""

from __future__ import annotations

from pathlib import Path

import pytest

from docai.plugins.testing import one_torch_thread


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    with one_torch_thread():
        yield


def _tiny(tmp_path_factory, variant: str) -> Path:
    from docai_minigpt4.tiny import write_tiny_minigpt4

    return write_tiny_minigpt4(tmp_path_factory.mktemp(f"minigpt4-{variant}"), variant=variant)


@pytest.fixture(scope="session")
def tiny_vicuna(tmp_path_factory) -> Path:
    return _tiny(tmp_path_factory, "vicuna")


@pytest.fixture(scope="session")
def tiny_llama2(tmp_path_factory) -> Path:
    return _tiny(tmp_path_factory, "llama2")


@pytest.fixture(scope="session")
def load():
    """A function: (model, tokenizer, image processor) of a MiniGPT-4 checkpoint directory."""
    return _load


def _load(directory: Path):
    from transformers import AutoTokenizer, BlipImageProcessor

    from docai_minigpt4.model import MiniGPT4ForConditionalGeneration

    model = MiniGPT4ForConditionalGeneration.from_pretrained(directory, use_safetensors=True).eval()
    return model, AutoTokenizer.from_pretrained(directory), BlipImageProcessor.from_pretrained(directory)
