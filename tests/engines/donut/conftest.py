"""Donut test fixtures: a tiny random checkpoint, and a "taught" one that has learnt three answers.

The taught checkpoint is the tiny one with its decoder trained for a moment (well under a second) to
emit one fixed sequence per task, so the end-to-end tests can check real JSON, answers and classes
coming out of real generation rather than random text.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from docai.models import tiny_model_dir

#: small canvas and window so a forward pass takes milliseconds
TINY_SETTINGS = {"image_size": (128, 96), "window_size": 2}

QUESTION = "What is the total?"
TAUGHT = {
    "cord-v2": "<s_cord-v2><s_menu><s_nm>Coffee</s_nm><s_cnt>2</s_cnt><s_price>3.00</s_price><sep/>"
               "<s_nm>Tea</s_nm><s_price>1.50</s_price></s_menu><s_total><s_total_price>4.50</s_total_price>"
               "</s_total></s>",
    "docvqa": f"<s_docvqa><s_question>{QUESTION}</s_question><s_answer>4.50</s_answer></s>",
    "rvlcdip": "<s_rvlcdip><s_class><invoice/></s_class></s>",
}
TAUGHT_JSON = {
    "cord-v2": {"menu": [{"nm": "Coffee", "cnt": "2", "price": "3.00"}, {"nm": "Tea", "price": "1.50"}],
                "total": {"total_price": "4.50"}},
}


@pytest.fixture(scope="session", autouse=True)
def _one_torch_thread():
    """One intra-op thread: on a busy shared machine, torch's spinning worker threads make these tiny
    models 10-50x slower (measured: a 3-page generate 15 s with 2 threads under load, 0.3 s with 1)."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(autouse=True)
def _cpu_fp32(monkeypatch):
    """Deterministic numerics whatever the machine: CPU, float32."""
    monkeypatch.setenv("DOCAI_DEVICE", "cpu")
    monkeypatch.setenv("DOCAI_DTYPE", "fp32")


@pytest.fixture(scope="session")
def tiny_donut_dir(tmp_path_factory) -> Path:
    """A tiny random Donut checkpoint (built once per session)."""
    return tiny_model_dir("donut", tmp_path_factory.getbasetemp() / "models", **TINY_SETTINGS)


@pytest.fixture(scope="session")
def taught_donut_dir(tiny_donut_dir, tmp_path_factory) -> Path:
    """The tiny checkpoint after its decoder learnt :data:`TAUGHT`, saved as a checkpoint directory."""
    import torch
    from transformers import AutoTokenizer, VisionEncoderDecoderModel
    from transformers.modeling_outputs import BaseModelOutput

    target = tmp_path_factory.getbasetemp() / "models" / "taught-donut"
    if (target / "model.safetensors").is_file():
        return target
    shutil.copytree(tiny_donut_dir, target, dirs_exist_ok=True)
    tok = AutoTokenizer.from_pretrained(target)
    model = VisionEncoderDecoderModel.from_pretrained(target)
    rows = [tok(seq, add_special_tokens=False)["input_ids"] for seq in TAUGHT.values()]
    width = max(map(len, rows))
    ids = torch.tensor([r + [tok.pad_token_id] * (width - len(r)) for r in rows])
    labels = ids[:, 1:].masked_fill(ids[:, 1:] == tok.pad_token_id, -100)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        encoded = model.encoder(pixel_values=torch.zeros(len(rows), 3, *TINY_SETTINGS["image_size"]))
        memory = BaseModelOutput(last_hidden_state=encoded.last_hidden_state.detach())
        optimizer = torch.optim.Adam(model.decoder.parameters(), lr=3e-2)
        model.train()
        for _ in range(80):
            loss = model(encoder_outputs=memory, decoder_input_ids=ids[:, :-1], labels=labels).loss
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    model.save_pretrained(target, safe_serialization=True)
    return target
