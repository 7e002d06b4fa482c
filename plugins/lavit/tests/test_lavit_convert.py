"""`docai dev convert-checkpoint lavit`: the released layout (pickles, official key names) → safetensors."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import load_file

from docai.errors import InputError, ModelError
from docai_lavit.config import read_config
from docai_lavit.convert import convert_checkpoint, safetensors_name
from docai_lavit.tiny import TINY_CONFIG, write_official_layout

#: Key names as they appear in the released LaVIT files (a sample of each module).
OFFICIAL_KEYS = {
    "visual_tokenizer/eva_vitg_psz14": ["cls_token", "pos_embed", "patch_embed.proj.weight", "blocks.0.attn.qkv.weight",
                                         "blocks.0.attn.q_bias", "blocks.0.attn.v_bias", "blocks.1.mlp.fc2.bias",
                                         "norm.weight", "head.weight"],
    "visual_tokenizer/tokenizer_encoder": [
        "token_predictor.in_conv.1.weight", "token_predictor.out_conv.4.weight",
        "causal_encoder.blocks.0.token_causal_attn.qkv.weight", "causal_encoder.blocks.1.token_cross_attn.query.bias",
        "causal_encoder.ln_vision.weight", "causal_encoder.norm.bias", "quantize.embedding.weight",
        "encode_task_layer.0.weight", "encode_task_layer.2.weight"],
    "visual_tokenizer/highres_tokenizer_decoder": [
        "in_proj.weight", "pos_embed", "query_embed", "blocks.0.self_attn.qkv.weight",
        "blocks.1.cross_attn.value.weight", "decode_task_layer.2.weight", "unet_proj_1.weight", "unet_proj_2.bias",
        "unet_attnpool.positional_embedding", "unet_attnpool.c_proj.weight"],
    "language_model/visual_weight": ["vit_proj.weight", "causal_encoder.blocks.0.mlp.fc1.weight"],
}


@pytest.fixture(scope="module")
def official(tmp_path_factory):
    return write_official_layout(tmp_path_factory.mktemp("official"))


def test_conversion_keeps_every_name_and_loads_with_no_missing_or_unexpected_keys(official, tmp_path):
    report = convert_checkpoint(official, tmp_path / "out")
    assert report.missing == [] and report.unexpected == []
    out = tmp_path / "out"
    for stem, keys in OFFICIAL_KEYS.items():
        pickled = torch.load(official / f"{stem}.bin", weights_only=True)
        converted = load_file(out / f"{stem}.safetensors")
        assert set(converted) == set(pickled)
        assert set(keys) <= set(converted)
        assert all(torch.equal(converted[k], pickled[k]) for k in keys)
    assert (out / "language_model/model.safetensors").is_file()
    assert (out / "highres_pixel_decoding/unet/diffusion_pytorch_model.safetensors").is_file()
    assert not list(out.rglob("*.bin"))
    assert read_config(out) == TINY_CONFIG  # every size read back from the weights


def test_a_sharded_language_model_keeps_its_index(official, tmp_path):
    source = tmp_path / "src"
    import shutil

    shutil.copytree(official, source)
    llm = source / "language_model"
    state = torch.load(llm / "pytorch_model.bin", weights_only=True)
    keys = sorted(state)
    half = len(keys) // 2
    torch.save({k: state[k] for k in keys[:half]}, llm / "pytorch_model-00001-of-00002.bin")
    torch.save({k: state[k] for k in keys[half:]}, llm / "pytorch_model-00002-of-00002.bin")
    (llm / "pytorch_model.bin").unlink()
    weight_map = {k: f"pytorch_model-0000{1 if i < half else 2}-of-00002.bin" for i, k in enumerate(keys)}
    (llm / "pytorch_model.bin.index.json").write_text(json.dumps({"metadata": {}, "weight_map": weight_map}))
    convert_checkpoint(source, tmp_path / "out")
    index = json.loads((tmp_path / "out/language_model/model.safetensors.index.json").read_text())
    assert set(index["weight_map"].values()) == {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"}
    from transformers import LlamaForCausalLM

    model = LlamaForCausalLM.from_pretrained(tmp_path / "out/language_model", use_safetensors=True)
    assert torch.equal(model.lm_head.weight, state["lm_head.weight"])


def test_names_follow_the_safetensors_spelling():
    assert safetensors_name("pytorch_model.bin") == "model.safetensors"
    assert safetensors_name("pytorch_model-00001-of-00002.bin") == "model-00001-of-00002.safetensors"
    assert safetensors_name("diffusion_pytorch_model.bin") == "diffusion_pytorch_model.safetensors"
    assert safetensors_name("tokenizer_encoder.bin") == "tokenizer_encoder.safetensors"


def test_bad_sources_and_targets_are_one_line_errors(official, tmp_path):
    with pytest.raises(InputError, match="not a LaVIT checkpoint"):
        convert_checkpoint(tmp_path, tmp_path / "out")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(InputError, match="not empty"):
        convert_checkpoint(official, tmp_path / "full")


def test_a_state_dict_that_does_not_fit_fails_at_conversion(official, tmp_path):
    import shutil

    source = tmp_path / "src"
    shutil.copytree(official, source)
    state = torch.load(source / "visual_tokenizer/tokenizer_encoder.bin", weights_only=True)
    del state["encode_task_layer.2.weight"]
    torch.save(state, source / "visual_tokenizer/tokenizer_encoder.bin")
    with pytest.raises(ModelError, match="missing, e.g. encode_task_layer.2.weight"):
        convert_checkpoint(source, tmp_path / "out")
