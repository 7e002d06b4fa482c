"""Tiny random MiniGPT-4 checkpoints (both variants) with every file a converted real one has.

Weights are drawn wider than the real initialisation (std 0.5): a tiny model at std 0.02 answers every
image and question with the same token, which would hide batching mistakes from the tests.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from docai.errors import ConfigError

TINY_VISION = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                   image_size=28, patch_size=7, qkv_bias=True, initializer_range=0.5)
TINY_QFORMER = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                    cross_attention_frequency=2, initializer_range=0.5)
TINY_TEXT = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                 num_key_value_heads=2, max_position_embeddings=512, tie_word_embeddings=False,
                 bos_token_id=1, eos_token_id=2, pad_token_id=0, initializer_range=0.5)


def tiny_config(variant: str = "vicuna", vocab_size: int = 162, num_query_tokens: int = 4):
    """The tiny :class:`MiniGPT4Config` of ``variant`` (``vicuna``: Q-Former; ``llama2``: none)."""
    from docai_minigpt4.model import MiniGPT4Config

    if variant not in ("vicuna", "llama2"):
        raise ConfigError(f"unknown MiniGPT-4 variant {variant!r}: choose vicuna or llama2")
    return MiniGPT4Config(vision_config=dict(TINY_VISION), qformer_config=dict(TINY_QFORMER),
                          text_config=dict(TINY_TEXT, vocab_size=vocab_size), has_qformer=variant == "vicuna",
                          num_query_tokens=num_query_tokens, variant=variant)


def write_tiny_minigpt4(directory: str | os.PathLike, *, seed: int = 0, variant: str = "vicuna",
                        **overrides: Any) -> Path:
    """Write a tiny random MiniGPT-4 checkpoint into ``directory`` (the ``minigpt4`` kind's tiny writer)."""
    import torch
    from transformers import GenerationConfig

    from docai.models.tiny_tokenizers import write_llama_tokenizer
    from docai_minigpt4.convert import write_preprocessor_config
    from docai_minigpt4.model import MiniGPT4ForConditionalGeneration

    if overrides:
        raise ConfigError(f"unknown tiny-model setting(s) for minigpt4: {', '.join(sorted(overrides))}")
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    vocab = write_llama_tokenizer(out)
    config = tiny_config(variant, vocab_size=vocab)
    config.architectures = ["MiniGPT4ForConditionalGeneration"]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = MiniGPT4ForConditionalGeneration(config).eval()
    model.save_pretrained(out, safe_serialization=True)
    GenerationConfig(bos_token_id=1, eos_token_id=2, pad_token_id=0, max_new_tokens=32).save_pretrained(out)
    write_preprocessor_config(out, config.vision_config.image_size)
    return out
