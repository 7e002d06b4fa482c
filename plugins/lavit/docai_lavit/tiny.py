"""Tiny random LaVIT checkpoints: the released layout in miniature, and its converted form.

:func:`write_official_layout` writes what ``rain1011/LaVIT-7B-v2`` holds — pickled ``.bin`` state dicts
with the official key names, a LLaMA ``language_model/`` and a diffusers ``highres_pixel_decoding/`` with an
SDXL-style U-Net (``text_time`` added conditions) and a VAE — at a few MB. :func:`write_tiny_model` converts
that with :func:`docai_lavit.convert.convert_checkpoint`, so ``docai dev tiny-model lavit DIR`` exercises the
very conversion and loading path a real checkpoint takes.
"""

from __future__ import annotations

import json
import os
import string
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from docai_lavit.config import VISUAL_TOKEN_OFFSET, LavitConfig

#: Shapes of the tiny checkpoint; head counts follow the official rules (ViT head width 88, 16 heads).
TINY_CONFIG = LavitConfig(
    image_size=56, patch_size=14, vit_width=176, vit_layers=2, vit_head_width=88, vit_mlp_hidden=256,
    vit_embed_dim=32, merger_depth=2, heads=16, mlp_hidden=256, n_code=64, code_dim=8, llm_width=32,
    decoder_depth=2, cond_dims=(16, 16), pooled_dim=16,
)
#: Generated image side in pixels for the tiny pixel decoder (latent 16 × VAE factor 2).
TINY_IMAGE_SIZE = 32


def write_tiny_model(directory: str | os.PathLike, *, seed: int = 0, llm_layers: int = 2, **overrides: Any) -> Path:
    """A converted tiny LaVIT checkpoint in ``directory`` (official layout written, then converted).

    ``overrides`` replace fields of :data:`TINY_CONFIG` (e.g. ``vit_width=352, llm_width=256`` for a mid-size
    benchmark model; keep ``vit_width`` a multiple of 176 so the official head rules hold).
    """
    from docai.errors import ConfigError
    from docai_lavit.convert import convert_checkpoint

    try:
        config = replace(TINY_CONFIG, **overrides)
    except TypeError as exc:
        raise ConfigError(f"unknown tiny lavit setting: {exc}") from None
    with tempfile.TemporaryDirectory(prefix="tiny-lavit-official-") as official:
        write_official_layout(Path(official), seed=seed, config=config, llm_layers=llm_layers)
        convert_checkpoint(official, directory)
    return Path(directory)


def write_official_layout(directory: Path, *, seed: int = 0, config: LavitConfig = TINY_CONFIG,
                          llm_layers: int = 2) -> Path:
    """Write a tiny random checkpoint in the released layout (pickles, official key names) into ``directory``."""
    import torch

    from docai_lavit.decoder import HighresVQDecoder
    from docai_lavit.tokenizer import DynamicVisualTokenizer

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        tokenizer = DynamicVisualTokenizer(config)
        decoder = HighresVQDecoder(config)
        visual = directory / "visual_tokenizer"
        visual.mkdir(parents=True, exist_ok=True)
        state = tokenizer.state_dict()
        torch.save({k.removeprefix("encoder."): v for k, v in state.items() if k.startswith("encoder.")},
                   visual / "eva_vitg_psz14.bin")
        encoder_keys = ("token_predictor.", "causal_encoder.", "quantize.", "encode_task_layer.")
        torch.save({k: v for k, v in state.items() if k.startswith(encoder_keys)}, visual / "tokenizer_encoder.bin")
        torch.save(decoder.state_dict(), visual / "highres_tokenizer_decoder.bin")
        language = directory / "language_model"
        _write_language_model(language, config, llm_layers)
        torch.save({k: v for k, v in state.items() if k.startswith(("causal_encoder.", "vit_proj."))},
                   language / "visual_weight.bin")
        _write_pixel_decoding(directory / "highres_pixel_decoding", config)
    return directory


def _write_language_model(directory: Path, config: LavitConfig, layers: int) -> None:
    import torch
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    directory.mkdir(parents=True, exist_ok=True)
    _write_tokenizer(directory)
    llm_config = LlamaConfig(
        vocab_size=VISUAL_TOKEN_OFFSET + config.n_code, hidden_size=config.llm_width, intermediate_size=2 * config.llm_width,
        num_hidden_layers=layers, num_attention_heads=max(2, config.llm_width // 64),
        num_key_value_heads=max(2, config.llm_width // 64), max_position_embeddings=512,
        bos_token_id=1, eos_token_id=2, tie_word_embeddings=False, architectures=["LlamaForCausalLM"],
    )
    model = LlamaForCausalLM(llm_config)
    llm_config.save_pretrained(directory)
    GenerationConfig(bos_token_id=1, eos_token_id=2).save_pretrained(directory)
    torch.save(model.state_dict(), directory / "pytorch_model.bin")


def _write_tokenizer(directory: Path) -> None:
    """A small sentencepiece-style tokenizer with LLaMA's special ids (<unk>=0, <s>=1, </s>=2)."""
    from tokenizers import AddedToken, Tokenizer, decoders, pre_tokenizers
    from tokenizers.models import Unigram

    specials = ["<unk>", "<s>", "</s>"]
    pieces = [(t, 0.0) for t in specials] + [("▁", -2.0)]
    pieces += [("▁" + ch, -3.0) for ch in string.ascii_letters + string.digits]
    pieces += [(ch, -4.0) for ch in string.ascii_letters + string.digits + string.punctuation]
    tok = Tokenizer(Unigram(pieces, unk_id=0, byte_fallback=False))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="first")
    tok.add_special_tokens([AddedToken(t, normalized=False, special=True) for t in specials])
    tok.save(str(directory / "tokenizer.json"))
    config = {"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<s>", "eos_token": "</s>",
              "unk_token": "<unk>", "clean_up_tokenization_spaces": False, "model_max_length": 2048}
    (directory / "tokenizer_config.json").write_text(json.dumps(config, indent=2) + "\n")


def _write_pixel_decoding(directory: Path, config: LavitConfig) -> None:
    from diffusers import AutoencoderKL, DDIMScheduler, UNet2DConditionModel

    time_dim = 8
    unet = UNet2DConditionModel(
        sample_size=TINY_IMAGE_SIZE // 2, in_channels=4, out_channels=4, layers_per_block=1,
        block_out_channels=(16, 32), down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), attention_head_dim=(2, 4), norm_num_groups=8,
        use_linear_projection=True, cross_attention_dim=sum(config.cond_dims), addition_embed_type="text_time",
        addition_time_embed_dim=time_dim, projection_class_embeddings_input_dim=config.pooled_dim + 6 * time_dim,
    )
    vae = AutoencoderKL(
        in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(8, 16), norm_num_groups=8,
        down_block_types=("DownEncoderBlock2D",) * 2, up_block_types=("UpDecoderBlock2D",) * 2,
        sample_size=TINY_IMAGE_SIZE, scaling_factor=0.13025,
    )
    scheduler = DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", clip_sample=False,
                              set_alpha_to_one=False, steps_offset=1, timestep_spacing="leading")
    unet.save_pretrained(directory / "unet", safe_serialization=False)
    vae.save_pretrained(directory / "vae", safe_serialization=False)
    scheduler.save_pretrained(directory / "scheduler")
