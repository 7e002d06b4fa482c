"""Fixtures of the LaVIT plugin tests: one tiny converted checkpoint per session."""

from __future__ import annotations

import pytest

pytest.importorskip("diffusers")


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    """One torch thread: on a shared CPU, more threads make these tiny models several times slower."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def tiny_lavit(tmp_path_factory):
    from docai_lavit.tiny import write_tiny_model

    return write_tiny_model(tmp_path_factory.mktemp("lavit") / "tiny")


@pytest.fixture(scope="session")
def lavit_model(tiny_lavit):
    import torch

    from docai_lavit.model import LavitModel

    return LavitModel(tiny_lavit, device=torch.device("cpu"), dtype=torch.float32)
