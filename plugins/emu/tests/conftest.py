"""Fixtures of the Emu3 plugin tests: one tiny checkpoint per session."""

from __future__ import annotations

import pytest

from docai.plugins.testing import one_torch_thread


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    with one_torch_thread():
        yield


@pytest.fixture(scope="session")
def tiny_emu(tmp_path_factory):
    from docai_emu.tiny import write_tiny_model

    return write_tiny_model(tmp_path_factory.mktemp("emu") / "tiny")


@pytest.fixture(scope="session")
def emu_model(tiny_emu):
    import torch

    from docai_emu.model import EmuModel

    return EmuModel.load(str(tiny_emu), device=torch.device("cpu"), dtype=torch.float32)
