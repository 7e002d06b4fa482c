"""Tiny BLIP-2 / InstructBLIP checkpoints, built once per session; one CPU thread."""

from __future__ import annotations

import pytest

from docai.plugins.testing import one_torch_thread


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    with one_torch_thread():
        yield


@pytest.fixture(scope="session")
def qformer_dirs(tmp_path_factory):
    """variant → tiny checkpoint directory (built on first use)."""
    from docai_qformer.tiny import write_tiny_qformer

    built = {}

    def get(variant: str):
        if variant not in built:
            built[variant] = write_tiny_qformer(tmp_path_factory.mktemp(variant), variant=variant)
        return built[variant]

    return get


@pytest.fixture(scope="session")
def load_qformer(qformer_dirs):
    """variant → (model, processor)."""
    def load(variant: str):
        import transformers

        cls = {"blip2-itm": transformers.Blip2ForImageTextRetrieval,
               "instructblip": transformers.InstructBlipForConditionalGeneration}.get(
                   variant, transformers.Blip2ForConditionalGeneration)
        directory = qformer_dirs(variant)
        return cls.from_pretrained(directory).eval(), transformers.AutoProcessor.from_pretrained(directory)

    return load
