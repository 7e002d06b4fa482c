"""The loader on local directories: tiny checkpoints load and generate; every bad checkpoint is one ModelError."""

from __future__ import annotations

import json
import shutil

import pytest
import torch
from PIL import Image

from docai.errors import ConfigError, ModelError
from docai.models import cached_models, load_model


def _copy(src, dst):
    shutil.copytree(src, dst)
    return dst


@pytest.mark.parametrize(("kind", "processor"), [("nougat", "NougatProcessor"), ("donut", "DonutProcessor")])
def test_tiny_checkpoint_loads_and_generates(kind, processor, tiny_root, no_network):
    from docai.models import tiny_model_dir

    directory = tiny_model_dir(kind, tiny_root)
    loaded = load_model(directory, kind=kind, device="cpu", dtype="fp32")
    assert loaded.kind == kind and loaded.source == directory.resolve()
    assert type(loaded.processor).__name__ == processor
    assert loaded.tokenizer is loaded.processor.tokenizer
    assert loaded.image_processor is loaded.processor.image_processor
    assert not loaded.model.training
    assert loaded.device == torch.device("cpu") and loaded.dtype == torch.float32
    assert next(loaded.model.parameters()).dtype == torch.float32
    assert loaded.generation_config.max_length == 64

    pixels = loaded.processor(images=Image.new("RGB", (300, 400), "white"), return_tensors="pt").pixel_values
    with torch.inference_mode():
        out = loaded.model.generate(pixels, max_new_tokens=5, do_sample=False)
    assert out.shape == (1, 6) and out[0, 0].item() == loaded.config.decoder_start_token_id
    assert isinstance(loaded.tokenizer.decode(out[0], skip_special_tokens=True), str)
    assert no_network == []


def test_bf16_load_runs_in_bf16(tiny_donut):
    loaded = load_model(tiny_donut, device="cpu", dtype="bf16")
    assert loaded.dtype == torch.bfloat16
    assert {p.dtype for p in loaded.model.parameters()} == {torch.bfloat16}
    pixels = loaded.processor(images=Image.new("RGB", (200, 300)), return_tensors="pt").pixel_values
    with torch.inference_mode():
        out = loaded.model.generate(pixels.to(torch.bfloat16), max_new_tokens=3)
    assert out.shape[1] == 4


def test_cpu_default_runs_a_bf16_encoder_under_an_fp32_decoder(tiny_nougat, monkeypatch):
    from docai.models import device as device_module

    monkeypatch.delenv("DOCAI_DTYPE", raising=False)
    monkeypatch.setattr(device_module, "cpu_has_native_bf16", lambda: True)
    loaded = load_model(tiny_nougat, device="cpu")
    assert (loaded.dtype, loaded.encoder_dtype) == (torch.float32, torch.bfloat16)
    assert {p.dtype for p in loaded.model.encoder.parameters()} == {torch.bfloat16}
    assert {p.dtype for p in loaded.model.decoder.parameters()} == {torch.float32}
    pixels = loaded.processor(images=Image.new("RGB", (300, 400), "white"), return_tensors="pt").pixel_values
    with torch.inference_mode():
        hidden = loaded.model.encoder(pixel_values=pixels).last_hidden_state
        from_fp32 = loaded.model.generate(pixels, max_new_tokens=4)
        from_bf16 = loaded.model.generate(pixels.to(torch.bfloat16), max_new_tokens=4)
    assert hidden.dtype == torch.float32
    assert torch.equal(from_fp32, from_bf16)
    assert load_model(tiny_nougat, device="cpu", dtype="fp32").encoder_dtype is None


def test_kind_is_detected_from_the_checkpoint(tiny_nougat, tiny_donut):
    assert load_model(tiny_nougat, device="cpu").kind == "nougat"
    assert load_model(str(tiny_donut), device="cpu").kind == "donut"


def test_loaded_once_per_process_per_device_and_dtype(tiny_donut):
    first = load_model(tiny_donut, kind="donut", device="cpu", dtype="fp32")
    assert load_model(str(tiny_donut), device="cpu", dtype="float32") is first
    other = load_model(tiny_donut, device="cpu", dtype="bf16")
    assert other is not first
    assert {id(m) for m in cached_models()} == {id(first), id(other)}


def test_sdpa_option_switches_the_swin_attention(tiny_nougat):
    pytest.importorskip("docai.models.swin_sdpa")
    on = load_model(tiny_nougat, device="cpu", dtype="fp32", sdpa=True)
    off = load_model(tiny_nougat, device="cpu", dtype="fp32", sdpa=False)
    attention_classes = {type(m).__name__ for m in on.model.encoder.modules() if "SelfAttention" in type(m).__name__}
    eager_classes = {type(m).__name__ for m in off.model.encoder.modules() if "SelfAttention" in type(m).__name__}
    assert on.sdpa and attention_classes == {"SdpaDonutSwinSelfAttention"}
    assert not off.sdpa and eager_classes == {"DonutSwinSelfAttention"}


def test_wrong_kind_is_refused(tiny_nougat, tiny_donut):
    with pytest.raises(ModelError, match="image processor 'DonutImageProcessor', expected NougatImageProcessor"):
        load_model(tiny_donut, kind="nougat", device="cpu")
    with pytest.raises(ModelError, match="unknown model kind 'no-such-kind'"):
        load_model(tiny_nougat, kind="no-such-kind", device="cpu")


def test_wrong_architecture_is_refused(tiny_nougat, tmp_path):
    directory = _copy(tiny_nougat, tmp_path / "bert")
    (directory / "config.json").write_text(json.dumps({"model_type": "bert"}))
    with pytest.raises(ModelError, match="'bert' checkpoint, not a nougat model"):
        load_model(directory, kind="nougat", device="cpu")
    with pytest.raises(ModelError, match="architecture 'bert', which docai cannot load"):
        load_model(directory, device="cpu")


def test_wrong_encoder_is_refused(tiny_nougat, tmp_path):
    directory = _copy(tiny_nougat, tmp_path / "vit")
    config = json.loads((directory / "config.json").read_text())
    config["encoder"]["model_type"] = "vit"
    (directory / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelError, match="'vit' encoder, but nougat needs donut-swin"):
        load_model(directory, kind="nougat", device="cpu")


def test_missing_directory(tmp_path):
    with pytest.raises(ModelError, match="model directory .* does not exist"):
        load_model(tmp_path / "nope", device="cpu")
    with pytest.raises(ModelError, match="does not exist"):
        load_model("./no/such/model", device="cpu")


def test_a_file_is_not_a_checkpoint(tmp_path):
    (tmp_path / "weights.safetensors").write_bytes(b"x")
    with pytest.raises(ModelError, match="is a file, not a checkpoint directory"):
        load_model(tmp_path / "weights.safetensors", device="cpu")


def test_directory_without_config(tmp_path):
    with pytest.raises(ModelError, match="has no config.json"):
        load_model(tmp_path, device="cpu")


def test_malformed_config(tiny_nougat, tmp_path):
    directory = _copy(tiny_nougat, tmp_path / "bad")
    (directory / "config.json").write_text("{not json")
    with pytest.raises(ModelError, match="config.json is not valid JSON"):
        load_model(directory, device="cpu")


def test_no_weights(tiny_nougat, tmp_path):
    directory = _copy(tiny_nougat, tmp_path / "empty")
    (directory / "model.safetensors").unlink()
    with pytest.raises(ModelError, match="has no weights"):
        load_model(directory, device="cpu")


def test_corrupt_weights_are_one_model_error(tiny_nougat, tmp_path):
    directory = _copy(tiny_nougat, tmp_path / "corrupt")
    (directory / "model.safetensors").write_bytes(b"\x00" * 64)
    with pytest.raises(ModelError, match="cannot load its weights") as info:
        load_model(directory, device="cpu")
    assert "\n" not in str(info.value)


def test_missing_preprocessor_config(tiny_nougat, tmp_path):
    directory = _copy(tiny_nougat, tmp_path / "noproc")
    (directory / "preprocessor_config.json").unlink()
    with pytest.raises(ModelError, match="has no preprocessor_config.json"):
        load_model(directory, device="cpu")


@pytest.fixture
def pickle_only(tiny_donut, tmp_path):
    from safetensors.torch import load_file

    directory = _copy(tiny_donut, tmp_path / "pickled")
    state = load_file(directory / "model.safetensors")
    torch.save(state, directory / "pytorch_model.bin")
    (directory / "model.safetensors").unlink()
    return directory


def test_pickle_only_checkpoint_is_refused(pickle_only):
    with pytest.raises(ModelError, match=r"only pickle weights \(pytorch_model.bin\).*--allow-pickle"):
        load_model(pickle_only, device="cpu")


def test_pickle_only_checkpoint_loads_when_allowed(pickle_only, tiny_donut):
    loaded = load_model(pickle_only, device="cpu", dtype="fp32", allow_pickle=True)
    reference = load_model(tiny_donut, device="cpu", dtype="fp32")
    got, want = loaded.model.state_dict(), reference.model.state_dict()
    assert all(torch.equal(got[k], want[k]) for k in want)


def test_safetensors_wins_over_pickle_when_both_exist(tiny_donut, tmp_path):
    directory = _copy(tiny_donut, tmp_path / "both")
    (directory / "pytorch_model.bin").write_bytes(b"not a pickle; must never be read")
    assert load_model(directory, device="cpu", allow_pickle=True).kind == "donut"


def test_bad_device_and_dtype_are_config_errors(tiny_donut):
    with pytest.raises(ConfigError, match="unknown dtype 'int3'"):
        load_model(tiny_donut, dtype="int3")
    with pytest.raises(ConfigError, match="unknown device"):
        load_model(tiny_donut, device="toaster")


def test_allow_pickle_reaches_the_loader_from_the_cli(tmp_path, monkeypatch):
    """`docai convert --allow-pickle` and `docai extract --allow-pickle` hand the flag to load_model."""
    from click.testing import CliRunner

    import docai.models as models
    from docai.cli import main
    from docai.errors import ModelError

    seen = []

    def fake_load_model(name, **kwargs):
        seen.append(kwargs.get("allow_pickle"))
        raise ModelError("stop here")

    monkeypatch.setattr(models, "load_model", fake_load_model)
    pdf = tmp_path / "a.pdf"
    import pymupdf

    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "hello")
    doc.save(pdf)
    runner = CliRunner()
    runner.invoke(main, ["convert", str(pdf), "--engine", "nougat", "--nougat-model", "x/y", "--allow-pickle"])
    runner.invoke(main, ["extract", str(pdf), "-m", "x/y", "--allow-pickle"])
    runner.invoke(main, ["extract", str(pdf), "-m", "x/z"])
    assert seen == [True, True, False]
