"""``docai dev tiny-model`` through click's CliRunner."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from docai.cli import main
from docai.models import load_model


@pytest.mark.parametrize("kind", ["nougat", "donut"])
def test_tiny_model_writes_a_loadable_checkpoint(kind, tmp_path):
    out = tmp_path / kind
    args = ["dev", "tiny-model", kind, str(out), "--seed", "3"]
    if kind == "donut":
        args += ["--image-size", "320", "320"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert f"wrote tiny {kind} checkpoint to {out}" in result.output
    assert load_model(out, device="cpu").kind == kind


def test_image_size_and_max_length_flags(tmp_path):
    result = CliRunner().invoke(main, ["dev", "tiny-model", "donut", str(tmp_path / "d"),
                                       "--image-size", "352", "320", "--max-length", "12"])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "d" / "preprocessor_config.json").read_text())["size"] == {"height": 352, "width": 320}
    assert json.loads((tmp_path / "d" / "generation_config.json").read_text())["max_length"] == 12


def test_bad_image_size_is_one_error_line(tmp_path):
    result = CliRunner().invoke(main, ["dev", "tiny-model", "donut", str(tmp_path / "d"), "--image-size", "100", "96"])
    assert result.exit_code == 12
    assert result.output.strip().splitlines() == [
        "docai: error: image size 100x96: height and width must be multiples of 32 (at least 32)"]


def test_refuses_a_non_empty_directory_without_force(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    result = CliRunner().invoke(main, ["dev", "tiny-model", "nougat", str(tmp_path)])
    assert result.exit_code == 2 and "not empty" in result.output
    assert (tmp_path / "keep.txt").read_text() == "mine"
    result = CliRunner().invoke(main, ["dev", "tiny-model", "nougat", str(tmp_path), "--force"])
    assert result.exit_code == 0, result.output


def test_unknown_kind_lists_the_known_ones(tmp_path):
    result = CliRunner().invoke(main, ["dev", "tiny-model", "no-such-kind", str(tmp_path)])
    assert result.exit_code == 12 and "unknown tiny model kind 'no-such-kind': choose one of " in result.output
    assert "donut" in result.output and "nougat" in result.output


def test_to_safetensors_converts_a_pickle_checkpoint(tiny_donut, tmp_path):
    import shutil

    import torch
    from safetensors.torch import load_file

    pickled = shutil.copytree(tiny_donut, tmp_path / "pickled")
    state = load_file(pickled / "model.safetensors")
    torch.save(state, pickled / "pytorch_model.bin")
    (pickled / "model.safetensors").unlink()

    result = CliRunner().invoke(main, ["dev", "to-safetensors", str(pickled), str(tmp_path / "safe")])
    assert result.exit_code == 0, result.output
    converted = load_file(tmp_path / "safe" / "model.safetensors")
    assert converted.keys() == state.keys() and all(torch.equal(converted[k], state[k]) for k in state)
    assert not (tmp_path / "safe" / "pytorch_model.bin").exists()
    assert load_model(tmp_path / "safe", device="cpu").kind == "donut"


def test_to_safetensors_refuses_pickles_holding_more_than_tensors(tiny_donut, tmp_path):
    import shutil

    import torch

    pickled = shutil.copytree(tiny_donut, tmp_path / "evil")
    (pickled / "model.safetensors").unlink()
    torch.save({"weight": torch.zeros(1), "payload": print}, pickled / "pytorch_model.bin")
    result = CliRunner().invoke(main, ["dev", "to-safetensors", str(pickled), str(tmp_path / "out")])
    assert result.exit_code == 9
    assert result.output.startswith("docai: error: pytorch_model.bin cannot be read safely")


def test_to_safetensors_needs_a_pickle_checkpoint(tiny_donut, tmp_path):
    result = CliRunner().invoke(main, ["dev", "to-safetensors", str(tiny_donut), str(tmp_path / "out")])
    assert result.exit_code == 9 and "already has safetensors weights" in result.output
