"""Fixtures of the LaVIT plugin tests: one tiny converted checkpoint per session."""

from __future__ import annotations

import pytest

from docai.plugins.testing import one_torch_thread

pytest.importorskip("diffusers")


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    with one_torch_thread():
        yield


@pytest.fixture(scope="session")
def tiny_lavit(tmp_path_factory):
    from docai_lavit.tiny import write_tiny_model

    return write_tiny_model(tmp_path_factory.mktemp("lavit") / "tiny")


@pytest.fixture(scope="session")
def lavit_model(tiny_lavit):
    import torch

    from docai_lavit.model import LavitModel

    return LavitModel(tiny_lavit, device=torch.device("cpu"), dtype=torch.float32)
