"""Tiny random Emu3 checkpoints, shaped like ``BAAI/Emu3-Chat-hf`` / ``BAAI/Emu3-Gen-hf`` at a few MB.

The sizes follow transformers' own Emu3 tests (a small vocabulary whose visual tokens map onto a codebook
of ~20, no attention resolutions, ``temporal_downsample_factor=1``); the VQ-VAE downsamples by 8, as the
processor assumes, so an input image's placeholder count matches its VQ tokens. The checkpoint holds
every file a real one has: ``config.json`` (with the vocabulary map), safetensors weights, a byte-level
tokenizer with Emu3's special tokens, the image processor and processor configs with the chat template,
and ``generation_config.json``. One tiny checkpoint serves both roles (chat and generation).
"""

from __future__ import annotations

import json
import os
import string
from pathlib import Path

from docai.errors import ConfigError

CODEBOOK_SIZE = 20
#: Emu3's special tokens, ids 0-8 here (the real vocabulary places them elsewhere; ids come from the tokenizer).
SPECIAL_TOKENS = {
    "pad_token": "<|endoftext|>", "bos_token": "<|extra_203|>", "eos_token": "<|extra_204|>",
    "image_token": "<image>", "boi_token": "<|image start|>", "eoi_token": "<|image end|>",
    "image_wrapper_token": "<|image token|>", "eol_token": "<|extra_200|>", "eof_token": "<|extra_201|>",
}
CHAT_TEMPLATE = (
    "{% for message in messages %}{% if message['role'] != 'system' %}{{ message['role'].upper() + ': ' }}"
    "{% endif %}{% for content in message['content'] | selectattr('type', 'equalto', 'image') %}{{ '<image>' }}"
    "{% endfor %}{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}"
    "{{ content['text'] + ' ' }}{% endfor %}{% endfor %}{% if add_generation_prompt %}{{ 'ASSISTANT:' }}{% endif %}"
)
#: Pixels of a tiny generated image side by default (4 × 4 tokens of the 8× VQ-VAE).
TINY_IMAGE_SIDE = 32


#: Language-model sizes of the tiny checkpoint; :func:`write_tiny_model` takes any of them as an override.
TEXT_DEFAULTS = {"hidden_size": 32, "intermediate_size": 37, "num_hidden_layers": 2, "num_attention_heads": 2,
                 "num_key_value_heads": 2, "max_position_embeddings": 512}


def write_tiny_model(directory: str | os.PathLike, *, seed: int = 0, image_side: int = TINY_IMAGE_SIDE,
                     **overrides: int) -> Path:
    """Write a tiny random Emu3 checkpoint into ``directory`` (see the module doc); returns it.

    ``image_side`` is the default generated image's side in pixels (a multiple of 8); ``overrides`` replace
    entries of :data:`TEXT_DEFAULTS` (e.g. ``hidden_size=512`` for a mid-size benchmark model).
    """
    import torch
    from transformers import Emu3Config, Emu3ForConditionalGeneration, GenerationConfig

    from docai.models.loader import quiet_transformers

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    vocab = _write_tokenizer(out)
    unknown = set(overrides) - set(TEXT_DEFAULTS)
    if unknown:
        raise ConfigError(f"unknown tiny emu setting(s): {', '.join(sorted(unknown))}")
    if image_side % 8 or image_side < 8:
        raise ConfigError(f"image side {image_side} must be a multiple of 8")
    text_config = {
        **TEXT_DEFAULTS, **overrides, "vocab_size": len(vocab),
        "pad_token_id": vocab[SPECIAL_TOKENS["pad_token"]], "bos_token_id": vocab[SPECIAL_TOKENS["bos_token"]],
        "eos_token_id": vocab[SPECIAL_TOKENS["eos_token"]],
    }
    vq_config = {
        "codebook_size": CODEBOOK_SIZE, "temporal_downsample_factor": 1, "base_channels": 32,
        "channel_multiplier": [1, 2, 2, 1], "hidden_size": 32, "attn_resolutions": [], "embed_dim": 4,
        "latent_channels": 4, "num_res_blocks": 1,
    }
    config = Emu3Config(text_config=text_config, vq_config=vq_config, vocabulary_map=vocab)
    config.architectures = ["Emu3ForConditionalGeneration"]
    with torch.random.fork_rng(devices=[]), quiet_transformers():
        torch.manual_seed(seed)
        model = Emu3ForConditionalGeneration(config).eval()
        _favour_printable_text(model, out / "tokenizer.json", keep=set(vocab.values()) - _byte_ids(vocab))
        model.save_pretrained(out, safe_serialization=True)
    GenerationConfig(bos_token_id=text_config["bos_token_id"], eos_token_id=text_config["eos_token_id"],
                     pad_token_id=text_config["pad_token_id"], max_new_tokens=32).save_pretrained(out)
    _write_processor(out, image_side)
    return out


def _byte_ids(vocab: dict[str, int]) -> set[int]:
    from tokenizers import pre_tokenizers

    return {vocab[s] for s in pre_tokenizers.ByteLevel.alphabet() if s in vocab}


def _favour_printable_text(model, tokenizer_file: Path, *, keep: set[int]) -> None:
    """Silence the output rows of non-printable bytes, so a random model's replies are readable ASCII."""
    import torch
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(tokenizer_file))
    printable = set(string.ascii_letters + string.digits + string.punctuation + " ")
    mute = [i for i in range(tok.get_vocab_size()) if i not in keep and not set(tok.decode([i])) <= printable]
    with torch.no_grad():
        model.lm_head.weight[mute] = 0.0


def _write_tokenizer(out: Path) -> dict[str, int]:
    """A byte-level BPE tokenizer (no merges) with Emu3's special and visual tokens; returns its vocabulary."""
    from tokenizers import AddedToken, Tokenizer, decoders, pre_tokenizers
    from tokenizers.models import BPE

    specials = list(SPECIAL_TOKENS.values())
    visual = [f"<|visual token{i:06d}|>" for i in range(CODEBOOK_SIZE)]
    vocab = {token: i for i, token in enumerate(specials)}
    for symbol in sorted(pre_tokenizers.ByteLevel.alphabet()):
        vocab.setdefault(symbol, len(vocab))
    tok = Tokenizer(BPE(vocab=dict(vocab), merges=[], fuse_unk=False))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([AddedToken(t, normalized=False, special=True) for t in specials + visual])
    tok.save(str(out / "tokenizer.json"))
    named = {k: v for k, v in SPECIAL_TOKENS.items() if k in ("pad_token", "bos_token", "eos_token")}
    extra = {k: v for k, v in SPECIAL_TOKENS.items() if k not in named and k != "eol_token"}
    config = {"tokenizer_class": "PreTrainedTokenizerFast", **named, "unk_token": None,
              "extra_special_tokens": extra, "padding_side": "left", "clean_up_tokenization_spaces": False,
              "model_max_length": 512}
    (out / "tokenizer_config.json").write_text(json.dumps(config, indent=2) + "\n")
    return tok.get_vocab()


def _write_processor(out: Path, image_side: int) -> None:
    image = {
        "image_processor_type": "Emu3ImageProcessor", "processor_class": "Emu3Processor",
        "do_resize": True, "resample": 3, "do_rescale": True, "rescale_factor": 1 / 255, "do_normalize": True,
        "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5], "do_convert_rgb": True, "do_pad": True,
        "min_pixels": 16 * 16, "max_pixels": image_side * image_side, "spatial_factor": 8,
    }
    (out / "preprocessor_config.json").write_text(json.dumps(image, indent=2) + "\n")
    (out / "processor_config.json").write_text(json.dumps({"processor_class": "Emu3Processor"}, indent=2) + "\n")
    (out / "chat_template.jinja").write_text(CHAT_TEMPLATE)
