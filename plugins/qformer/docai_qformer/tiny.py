"""Tiny random BLIP-2 / InstructBLIP checkpoints with every file a real one has.

Variants: ``blip2-opt`` (decoder-only language model), ``blip2-t5`` (encoder-decoder, as Flan-T5),
``blip2-itm`` (``Blip2ForImageTextRetrieval``: ITM head and ITC projections) and ``instructblip`` (the
instruction also goes to the Q-Former, through its own tokenizer). The processor knows
``num_query_tokens`` and the tokenizer has ``<image>`` as one token, as the current hub checkpoints do.
Weights are drawn wider than the real initialisation (std 0.5) so images and prompts change the answers.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from docai.errors import ConfigError

VARIANTS = ("blip2-opt", "blip2-t5", "blip2-itm", "instructblip")
NUM_QUERY_TOKENS = 4
IMAGE_SIZE = 28
_STD = 0.5


def _vision():
    from transformers import Blip2VisionConfig

    return Blip2VisionConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                             image_size=IMAGE_SIZE, patch_size=7, initializer_range=_STD)


def _qformer(vocab: int, text_input: bool = False):
    from transformers import Blip2QFormerConfig

    return Blip2QFormerConfig(vocab_size=vocab, use_qformer_text_input=text_input, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                              num_attention_heads=4, cross_attention_frequency=1, max_position_embeddings=128,
                              initializer_range=_STD)


def write_tiny_qformer(directory: str | os.PathLike, *, seed: int = 0, variant: str = "blip2-opt",
                       **overrides: Any) -> Path:
    """Write a tiny random checkpoint of ``variant`` (see the module doc) into ``directory``."""
    import torch
    import transformers
    from transformers import AutoTokenizer, GenerationConfig

    from docai.models.tiny_tokenizers import write_llama_tokenizer

    if variant not in VARIANTS:
        raise ConfigError(f"unknown tiny qformer variant {variant!r}: choose one of {', '.join(VARIANTS)}")
    if overrides:
        raise ConfigError(f"unknown tiny-model setting(s) for qformer: {', '.join(sorted(overrides))}")
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    vocab = write_llama_tokenizer(out, special=("<image>",), pad_token="<pad>")
    tokenizer = AutoTokenizer.from_pretrained(out)
    tokenizer.image_token = "<image>"
    image_token_id = tokenizer.convert_tokens_to_ids("<image>")
    pad = tokenizer.pad_token_id
    image_processor = transformers.BlipImageProcessor(size={"height": IMAGE_SIZE, "width": IMAGE_SIZE})
    common = dict(vision_config=_vision().to_dict(), qformer_config=_qformer(vocab, variant == "blip2-itm").to_dict(),
                  num_query_tokens=NUM_QUERY_TOKENS, image_token_index=image_token_id, initializer_range=_STD)
    if variant == "blip2-t5":
        text = transformers.T5Config(vocab_size=vocab, d_model=32, d_kv=8, d_ff=64, num_layers=2, num_heads=4,
                                     pad_token_id=pad, eos_token_id=2, decoder_start_token_id=pad,
                                     initializer_factor=4 * _STD)
    else:
        text = transformers.OPTConfig(vocab_size=vocab, hidden_size=32, ffn_dim=64, num_hidden_layers=2,
                                      num_attention_heads=4, max_position_embeddings=512, word_embed_proj_dim=32,
                                      bos_token_id=1, eos_token_id=2, pad_token_id=pad, init_std=_STD)
    if variant == "instructblip":
        config = transformers.InstructBlipConfig(vision_config=common["vision_config"],
                                                 qformer_config=common["qformer_config"], text_config=text.to_dict(),
                                                 num_query_tokens=NUM_QUERY_TOKENS, image_token_index=image_token_id,
                                                 initializer_range=_STD)
        model_class = transformers.InstructBlipForConditionalGeneration
    else:
        config = transformers.Blip2Config(**common, text_config=text.to_dict())
        model_class = (transformers.Blip2ForImageTextRetrieval if variant == "blip2-itm"
                       else transformers.Blip2ForConditionalGeneration)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = model_class(config).eval()
    model.save_pretrained(out, safe_serialization=True)
    if variant == "instructblip":
        qformer_dir = out / "qformer_tokenizer"
        write_llama_tokenizer(qformer_dir, pad_token="<pad>")
        processor = transformers.InstructBlipProcessor(image_processor=image_processor, tokenizer=tokenizer,
                                                       qformer_tokenizer=AutoTokenizer.from_pretrained(qformer_dir),
                                                       num_query_tokens=NUM_QUERY_TOKENS)
    else:
        processor = transformers.Blip2Processor(image_processor=image_processor, tokenizer=tokenizer,
                                                num_query_tokens=NUM_QUERY_TOKENS)
    processor.save_pretrained(out)
    if variant != "blip2-itm":
        GenerationConfig(bos_token_id=1, eos_token_id=2, pad_token_id=pad, max_new_tokens=20,
                         decoder_start_token_id=pad if variant == "blip2-t5" else None).save_pretrained(out)
    return out


def write_tiny_blip2_t5(directory: str | os.PathLike, *, seed: int = 0, **overrides: Any) -> Path:
    return write_tiny_qformer(directory, seed=seed, variant="blip2-t5", **overrides)


def write_tiny_blip2_itm(directory: str | os.PathLike, *, seed: int = 0, **overrides: Any) -> Path:
    return write_tiny_qformer(directory, seed=seed, variant="blip2-itm", **overrides)


def write_tiny_instructblip(directory: str | os.PathLike, *, seed: int = 0, **overrides: Any) -> Path:
    return write_tiny_qformer(directory, seed=seed, variant="instructblip", **overrides)
