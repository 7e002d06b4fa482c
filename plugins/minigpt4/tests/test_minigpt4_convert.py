"""``docai dev convert-checkpoint minigpt4``: tiny state dicts under the official key names → the composed model.

The official files are written from a composed model through the *inverse* of the documented mapping
(spelled out here, independently of :mod:`docai_minigpt4.keymap`), with the extra parameters the real
files hold (the Q-Former's text parts, BLIP-2's heads, optimizer-free ``{"model": ...}`` wrappers).
"""

from __future__ import annotations

import pytest
import torch

from docai.errors import InputError, ModelError
from docai_minigpt4.convert import convert
from docai_minigpt4.model import MiniGPT4ForConditionalGeneration


def _official(model: MiniGPT4ForConditionalGeneration) -> tuple[dict, dict, dict]:
    """(BLIP-2 / EVA file, MiniGPT-4 file, language model state) under the official names."""
    state = {k: v.clone() for k, v in model.state_dict().items()}
    vision, top = {}, {"embeddings.class_embedding": "cls_token", "embeddings.position_embedding": "pos_embed",
                       "embeddings.patch_embedding.weight": "patch_embed.proj.weight",
                       "embeddings.patch_embedding.bias": "patch_embed.proj.bias"}
    parts = {"layer_norm1": "norm1", "layer_norm2": "norm2", "self_attn.qkv": "attn.qkv",
             "self_attn.projection": "attn.proj", "mlp.fc1": "mlp.fc1", "mlp.fc2": "mlp.fc2"}
    for key, value in state.items():
        if not key.startswith("vision_model."):
            continue
        name = key[len("vision_model."):]
        if name in top:
            vision[f"visual_encoder.{top[name]}"] = value
        elif name.startswith("post_layernorm."):
            vision[f"ln_vision.{name.split('.')[-1]}"] = value
        else:
            _, _, layer, rest = name.split(".", 3)
            module, leaf = rest.rsplit(".", 1)
            if module == "self_attn.qkv" and leaf == "bias":
                q, _, v = value.chunk(3)
                vision[f"visual_encoder.blocks.{layer}.attn.q_bias"] = q
                vision[f"visual_encoder.blocks.{layer}.attn.v_bias"] = v
            else:
                vision[f"visual_encoder.blocks.{layer}.{parts[module]}.{leaf}"] = value
    for key, value in state.items():
        if key.startswith("qformer."):
            name = key[len("qformer."):].replace("layernorm.", "embeddings.LayerNorm.")
            name = name.replace("attention.attention.", "attention.self.").replace("crossattention.attention.", "crossattention.self.")
            vision[f"Qformer.bert.{name}"] = value
    if "query_tokens" in state:
        vision["query_tokens"] = state["query_tokens"]
        width = state["query_tokens"].shape[-1]
        # what the real BLIP-2 file holds besides: the Q-Former's text input and text feed-forward, its heads
        vision["Qformer.bert.embeddings.word_embeddings.weight"] = torch.randn(30, width)
        vision["Qformer.bert.embeddings.position_embeddings.weight"] = torch.randn(16, width)
        vision["Qformer.bert.encoder.layer.0.intermediate.dense.weight"] = torch.randn(64, width)
        vision["Qformer.bert.encoder.layer.0.output.LayerNorm.weight"] = torch.randn(width)
        vision["Qformer.cls.predictions.bias"] = torch.randn(30)
        vision["vision_proj.weight"] = torch.randn(8, width)
        vision["itm_head.weight"] = torch.randn(2, width)
    projection = {k: v for k, v in state.items() if k.startswith("llama_proj.")}
    language = {k[len("language_model."):]: v for k, v in state.items() if k.startswith("language_model.")}
    return vision, projection, language


def _write_official(model, tokenizer, root, *, vision_key_prefix=True):
    from safetensors.torch import save_file

    vision, projection, language = _official(model)
    if not vision_key_prefix:  # a bare EVA ViT-g file (the LLaMA-2 variant's source)
        vision = {k.removeprefix("visual_encoder."): v for k, v in vision.items() if k.startswith("visual_encoder.")}
    src = root / "official"
    (src / "vicuna").mkdir(parents=True)
    torch.save({"model": vision}, src / "blip2_pretrained.pth")
    torch.save({"model": projection}, src / "pretrained_minigpt4.pth")
    save_file({k: v.contiguous() for k, v in language.items()}, src / "vicuna" / "model.safetensors")
    model.language_model.config.save_pretrained(src / "vicuna")
    tokenizer.save_pretrained(src / "vicuna")
    return src


@pytest.mark.parametrize("variant", ["vicuna", "llama2"])
def test_official_files_convert_to_the_same_model(variant, request, tmp_path, load):
    model, tokenizer, processor = load(request.getfixturevalue(f"tiny_{variant}"))
    src = _write_official(model, tokenizer, tmp_path, vision_key_prefix=variant == "vicuna")
    out = convert(src, tmp_path / "converted", vision_heads=model.config.vision_config.num_attention_heads,
                  qformer_heads=model.config.qformer_config.num_attention_heads)
    converted, info = MiniGPT4ForConditionalGeneration.from_pretrained(out, use_safetensors=True, output_loading_info=True)
    assert not info["missing_keys"] and not info["unexpected_keys"] and not info["mismatched_keys"]
    converted.eval()
    assert converted.config.has_qformer == (variant == "vicuna") and converted.config.variant == variant
    pixels = torch.randn(2, 3, 28, 28, generator=torch.Generator().manual_seed(0))
    ids = torch.tensor([tokenizer("Hello there")["input_ids"]])
    with torch.inference_mode():
        if variant == "llama2":  # the LLaMA-2 variant's ln_vision is the untrained identity: match it
            with torch.no_grad():
                model.vision_model.post_layernorm.weight.fill_(1.0)
                model.vision_model.post_layernorm.bias.zero_()
        assert torch.allclose(converted.image_embeddings(pixels), model.image_embeddings(pixels), atol=1e-6)
        assert torch.equal(converted.language_model(input_ids=ids).logits, model.language_model(input_ids=ids).logits)
    assert (out / "tokenizer.json").is_file() and (out / "preprocessor_config.json").is_file()


def test_missing_parts_and_unsafe_files_are_one_line_errors(tiny_vicuna, tmp_path, load):
    model, tokenizer, _ = load(tiny_vicuna)
    src = _write_official(model, tokenizer, tmp_path)
    (src / "pretrained_minigpt4.pth").unlink()
    with pytest.raises(InputError, match="cannot find the MiniGPT-4 checkpoint"):
        convert(src, tmp_path / "a")
    torch.save({"model": {"llama_proj.weight": torch.zeros(32, 7), "llama_proj.bias": torch.zeros(32)}},
               src / "pretrained_minigpt4.pth")
    with pytest.raises(ModelError, match="wrong shape|needs a Q-Former|do not make"):
        convert(src, tmp_path / "b", vision_heads=4, qformer_heads=4)

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    torch.save({"model": {"x": Evil()}}, src / "pretrained_minigpt4.pth")
    with pytest.raises(ModelError, match="cannot be read safely"):
        convert(src, tmp_path / "c")


def test_the_cli_command_converts(tiny_llama2, tmp_path, load):
    from click.testing import CliRunner

    from docai.cli import main
    from docai.plugins.registry import reset_registry

    reset_registry()
    model, tokenizer, _ = load(tiny_llama2)
    src = _write_official(model, tokenizer, tmp_path, vision_key_prefix=False)
    result = CliRunner().invoke(main, ["dev", "convert-checkpoint", "minigpt4", str(src), str(tmp_path / "out"),
                                       "--set", "vision_heads=4", "--set", "qformer_heads=4"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "model.safetensors").is_file()
    again = CliRunner().invoke(main, ["dev", "convert-checkpoint", "minigpt4", str(src), str(tmp_path / "out")])
    assert again.exit_code != 0 and "not empty" in again.output
