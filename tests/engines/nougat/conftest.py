"""Nougat test fixtures: a tiny random checkpoint on a small canvas, and a "taught" one that has learnt
to write one fixed page of Nougat markdown (so end-to-end tests check real blocks, not random text)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image

pytest.importorskip("torch")
pytest.importorskip("transformers")

from docai.models import clear_model_cache, tiny_model_dir  # noqa: E402

#: small canvas and window so a forward pass takes milliseconds; room for a page of tokens
TINY_SETTINGS = {"image_size": (128, 96), "window_size": 2, "max_length": 160, "max_position_embeddings": 256}

TAUGHT_PAGE = (
    "# Results\n\nWe find \\(x=1\\) here.\n\n\\[E=mc^{2}\\]\n\n"
    "* first point\n* second point\n\n"
    "\\begin{tabular}{l l} a & b \\\\ 1 & 2 \\end{tabular}"
)


@pytest.fixture(autouse=True, scope="module")
def _cpu_fp32_one_thread():
    """Deterministic numerics (CPU, float32), one thread: tiny tensors only lose to thread start-up."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DOCAI_DEVICE", "cpu")
        patch.setenv("DOCAI_DTYPE", "fp32")
        yield
    torch.set_num_threads(threads)


@pytest.fixture
def fresh_engines():
    """No engine or model kept from another test."""
    from docai.engines import clear_engines

    clear_engines()
    clear_model_cache()
    yield
    clear_engines()
    clear_model_cache()


@pytest.fixture(scope="session")
def tiny_nougat_dir(tmp_path_factory) -> Path:
    """A tiny random Nougat checkpoint (built once per session)."""
    return tiny_model_dir("nougat", tmp_path_factory.getbasetemp() / "models", **TINY_SETTINGS)


@pytest.fixture(scope="session")
def taught_nougat_dir(tiny_nougat_dir, tmp_path_factory) -> Path:
    """The tiny checkpoint after its decoder learnt to write :data:`TAUGHT_PAGE` for any page."""
    import torch
    from transformers import AutoTokenizer, VisionEncoderDecoderModel

    target = tmp_path_factory.getbasetemp() / "models" / "taught-nougat"
    if (target / "model.safetensors").is_file():
        return target
    shutil.copytree(tiny_nougat_dir, target, dirs_exist_ok=True)
    tok = AutoTokenizer.from_pretrained(target)
    model = VisionEncoderDecoderModel.from_pretrained(target)
    ids = torch.tensor([[0] + tok(TAUGHT_PAGE, add_special_tokens=False)["input_ids"] + [2]])
    pixels = _page_pixels(target)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: more threads only add contention on a shared machine
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
        model.train()
        for _ in range(80):
            loss = model(pixel_values=pixels, decoder_input_ids=ids[:, :-1].expand(len(pixels), -1),
                         labels=ids[:, 1:].expand(len(pixels), -1)).loss
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    torch.set_num_threads(threads)
    model.eval()
    model.save_pretrained(target, safe_serialization=True)
    return target


def _page_pixels(model_dir: Path):
    """Preprocessed pages like the tests feed: rendered text pages and a blank one."""
    import pymupdf

    from docai.engines.nougat.preprocess import PreprocessConfig, prepare_batch
    from docai.models.loader import quiet_transformers

    with quiet_transformers():
        from transformers import AutoImageProcessor

        config = PreprocessConfig.from_processor(AutoImageProcessor.from_pretrained(model_dir, backend="pil"))
    images = []
    for n, text in enumerate(["This is page number 1 of the simple test document.", "E = m c^2", ""]):
        doc = pymupdf.open()
        page = doc.new_page(width=595, height=842)
        if text:
            page.insert_text((72, 100 + 50 * n), text, fontsize=11)
        pix = page.get_pixmap(dpi=96)
        images.append(Image.frombytes("RGB", (pix.width, pix.height), pix.samples))
        doc.close()
    return prepare_batch(images, config)
