"""Tiny random CLIP checkpoints: the files ``openai/clip-vit-base-patch32`` ships, a few hundred KB large.

``write_tiny(dir)`` writes ``config.json`` (``CLIPModel``), ``model.safetensors``, a byte-level BPE
``CLIPTokenizer`` built here (the 256 byte symbols, their end-of-word forms, merges that make a few
whole words, ``<|startoftext|>``/``<|endoftext|>`` last as in the real vocabulary — no download) and
``preprocessor_config.json`` (``CLIPImageProcessor``: resize the short side, centre crop). Random weights.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from docai.errors import ConfigError

#: Sizes of the tiny model; any can be overridden per call.
TINY_SIZES: dict[str, Any] = {
    "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2,
    "vision_hidden_size": 32, "vision_intermediate_size": 64, "vision_layers": 2, "vision_heads": 2,
    "image_size": 32, "patch_size": 8, "projection_dim": 16, "max_position_embeddings": 77,
}

_WORDS = ("a", "an", "the", "of", "photo", "picture", "cat", "dog", "car", "bird", "tree", "house",
          "red", "blue", "green", "diagram", "chart", "table", "figure", "text", "person")


def write_tiny(directory: str | os.PathLike, *, seed: int = 0, **sizes: Any) -> Path:
    """Write a tiny random CLIP checkpoint into ``directory``; ``sizes`` override :data:`TINY_SIZES`
    (``image_size`` may be (height, width) of a square, as ``docai dev tiny-model --image-size`` gives it)."""
    size = sizes.get("image_size")
    if isinstance(size, list | tuple):
        if len(size) != 2 or size[0] != size[1]:
            raise ConfigError(f"CLIP takes square images: --image-size {' '.join(map(str, size))} must give "
                              "the same height and width")
        sizes["image_size"] = int(size[0])
    unknown = set(sizes) - set(TINY_SIZES)
    if unknown:
        raise ConfigError(f"unknown tiny CLIP setting(s): {', '.join(sorted(unknown))}")
    settings = {**TINY_SIZES, **sizes}
    if settings["image_size"] % settings["patch_size"]:
        raise ConfigError(f"image size {settings['image_size']} must be a multiple of the patch size "
                          f"{settings['patch_size']}")
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = build_clip_tokenizer()
    _write_weights(_config(settings, tokenizer), out, seed)
    _image_processor(settings["image_size"]).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def build_clip_tokenizer():
    """A ``CLIPTokenizer`` with a small byte-level BPE vocabulary laid out like CLIP's."""
    from tokenizers import pre_tokenizers
    from transformers import CLIPTokenizer

    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    vocab: dict[str, int] = {}
    for symbol in alphabet + [s + "</w>" for s in alphabet]:
        vocab.setdefault(symbol, len(vocab))
    merges: list[tuple[str, str]] = []
    for word in _WORDS:
        for left, right in _word_merges(word):
            if (left, right) not in merges:
                merges.append((left, right))
                vocab.setdefault(left + right, len(vocab))
    for special in ("<|startoftext|>", "<|endoftext|>"):
        vocab[special] = len(vocab)
    return CLIPTokenizer(vocab=vocab, merges=merges, model_max_length=77)


def _word_merges(word: str) -> list[tuple[str, str]]:
    """Merges that build ``word</w>`` left to right: ("p", "h"), ("ph", "o"), …, ("phot", "o</w>")."""
    if len(word) < 2:
        return []
    merges, prefix = [], word[0]
    for index, char in enumerate(word[1:], start=1):
        piece = char + "</w>" if index == len(word) - 1 else char
        merges.append((prefix, piece))
        prefix += piece
    return merges


def _image_processor(image_size: int):
    from transformers import CLIPImageProcessorPil

    return CLIPImageProcessorPil(size={"shortest_edge": image_size},
                                 crop_size={"height": image_size, "width": image_size})


def _config(settings: dict[str, Any], tokenizer):
    from transformers import CLIPConfig

    text = {
        "vocab_size": len(tokenizer), "hidden_size": settings["hidden_size"],
        "intermediate_size": settings["intermediate_size"], "num_hidden_layers": settings["num_hidden_layers"],
        "num_attention_heads": settings["num_attention_heads"],
        "max_position_embeddings": settings["max_position_embeddings"],
        "bos_token_id": tokenizer.bos_token_id, "eos_token_id": tokenizer.eos_token_id,
        "pad_token_id": tokenizer.pad_token_id,
    }
    vision = {
        "hidden_size": settings["vision_hidden_size"], "intermediate_size": settings["vision_intermediate_size"],
        "num_hidden_layers": settings["vision_layers"], "num_attention_heads": settings["vision_heads"],
        "image_size": settings["image_size"], "patch_size": settings["patch_size"],
    }
    return CLIPConfig(text_config=text, vision_config=vision, projection_dim=settings["projection_dim"],
                      architectures=["CLIPModel"])


def _write_weights(config, out: Path, seed: int) -> None:
    import torch
    from transformers import CLIPModel

    from docai.models.loader import quiet_transformers

    with torch.random.fork_rng(devices=[]), quiet_transformers():
        torch.manual_seed(seed)
        CLIPModel(config).eval().save_pretrained(out, safe_serialization=True)
