"""Tiny random BLIP checkpoints: every file a Salesforce BLIP checkpoint ships, a few hundred KB large.

``write_tiny_blip(dir, task="caption")`` writes ``config.json`` (a ``BlipConfig`` whose ``architectures``
names the task's class), ``model.safetensors``, the BERT tokenizer files (built here from a small
WordPiece vocabulary with BLIP's ``[DEC]``/``[ENC]`` tokens — no download) and the ``BlipProcessor``
files, so the checkpoint loads through docai's loader exactly as ``Salesforce/blip-image-captioning-base``,
``Salesforce/blip-vqa-base`` or ``Salesforce/blip-itm-base-coco`` do. Random, so its captions are noise.
"""

from __future__ import annotations

import os
import string
from pathlib import Path
from typing import Any

from docai.errors import ConfigError

#: task → the transformers class a real checkpoint of that task names in ``architectures``
TASK_ARCHITECTURES: dict[str, str] = {
    "caption": "BlipForConditionalGeneration",
    "vqa": "BlipForQuestionAnswering",
    "itm": "BlipForImageTextRetrieval",
}

#: Sizes of the tiny model; any can be overridden per call (the bench uses Salesforce's base sizes).
TINY_SIZES: dict[str, Any] = {
    "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2,
    "vision_hidden_size": 32, "vision_intermediate_size": 64, "vision_layers": 2, "vision_heads": 2,
    "image_size": 32, "patch_size": 8, "max_position_embeddings": 64, "image_text_hidden_size": 16,
    "initializer_range": 0.2,  # wide enough that a random model's outputs depend on its input
}

#: The sizes of Salesforce/blip-image-captioning-base (random weights in the bench).
BASE_SIZES: dict[str, Any] = {
    "hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12, "num_attention_heads": 12,
    "vision_hidden_size": 768, "vision_intermediate_size": 3072, "vision_layers": 12, "vision_heads": 12,
    "image_size": 384, "patch_size": 16, "max_position_embeddings": 512, "image_text_hidden_size": 256,
    "initializer_range": 0.02,
}

_WORDS = ("a", "an", "the", "of", "on", "in", "with", "and", "is", "are", "photo", "picture", "cat", "dog",
          "man", "woman", "table", "sitting", "red", "blue", "two", "what", "how", "many", "color", "yes", "no")


def write_tiny_blip(directory: str | os.PathLike, *, task: str = "caption", seed: int = 0,
                    vocab_words: int | None = None, **sizes: Any) -> Path:
    """Write a tiny random BLIP checkpoint for ``task`` (caption, vqa or itm) into ``directory``.

    ``sizes`` override :data:`TINY_SIZES`; ``vocab_words`` pads the vocabulary with filler words up to
    that many entries (the bench uses BERT's 30524). Returns the directory.
    """
    if task not in TASK_ARCHITECTURES:
        raise ConfigError(f"unknown BLIP task {task!r}: choose one of {', '.join(TASK_ARCHITECTURES)}")
    unknown = set(sizes) - set(TINY_SIZES)
    if unknown:
        raise ConfigError(f"unknown tiny BLIP setting(s): {', '.join(sorted(unknown))}")
    settings = {**TINY_SIZES, **sizes}
    if settings["image_size"] % settings["patch_size"]:
        raise ConfigError(f"image size {settings['image_size']} must be a multiple of the patch size "
                          f"{settings['patch_size']}")
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = build_bert_tokenizer(vocab_words)
    processor = _processor(tokenizer, settings["image_size"])
    config = _config(settings, tokenizer, TASK_ARCHITECTURES[task])
    _write_weights(config, out, seed)
    # As the Salesforce checkpoints ship them: preprocessor_config.json + the tokenizer files.
    processor.image_processor.save_pretrained(out)
    processor.tokenizer.save_pretrained(out)
    return out


def write_tiny_caption(directory: Path, *, seed: int = 0, **overrides: Any) -> Path:
    """The ``blip`` kind's tiny writer (``docai dev tiny-model blip DIR``): a captioning checkpoint."""
    return write_tiny_blip(directory, task="caption", seed=seed, **square_size(overrides))


def write_tiny_vqa(directory: Path, *, seed: int = 0, **overrides: Any) -> Path:
    """The ``blip-vqa`` kind's tiny writer: a question-answering checkpoint."""
    return write_tiny_blip(directory, task="vqa", seed=seed, **square_size(overrides))


def write_tiny_itm(directory: Path, *, seed: int = 0, **overrides: Any) -> Path:
    """The ``blip-itm`` kind's tiny writer: an image-text retrieval checkpoint (ITM head, ITC projections)."""
    return write_tiny_blip(directory, task="itm", seed=seed, **square_size(overrides))


def square_size(overrides: dict[str, Any]) -> dict[str, Any]:
    """``image_size`` given as (height, width) — as ``docai dev tiny-model --image-size H W`` passes it —
    becomes the one side of BLIP's square input; other overrides pass through."""
    size = overrides.get("image_size")
    if isinstance(size, list | tuple):
        if len(size) != 2 or size[0] != size[1]:
            raise ConfigError(f"BLIP takes square images: --image-size {' '.join(map(str, size))} "
                              "must give the same height and width")
        overrides = {**overrides, "image_size": int(size[0])}
    return overrides


def build_bert_tokenizer(vocab_words: int | None = None):
    """A lower-casing BERT WordPiece tokenizer laid out like bert-base-uncased plus BLIP's added tokens.

    Special tokens first (``[PAD]`` 0 … ``[MASK]`` 4), then single characters, ``##``-continuations and
    a few whole words; ``[DEC]`` (BLIP's bos) and ``[ENC]`` are added last, as in the real tokenizer.
    """
    from transformers import BertTokenizer

    tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    chars = string.ascii_lowercase + string.digits + string.punctuation
    tokens += list(chars) + [f"##{c}" for c in string.ascii_lowercase + string.digits] + list(_WORDS)
    tokens += [f"word{i}" for i in range(max(0, (vocab_words or 0) - len(tokens) - 2))]
    vocab = {token: i for i, token in enumerate(dict.fromkeys(tokens))}
    tokenizer = BertTokenizer(vocab=vocab, do_lower_case=True, model_max_length=512)
    tokenizer.add_special_tokens({"bos_token": "[DEC]", "additional_special_tokens": ["[ENC]"]})
    return tokenizer


def _processor(tokenizer, image_size: int):
    from transformers import BlipImageProcessorPil, BlipProcessor

    image_processor = BlipImageProcessorPil(size={"height": image_size, "width": image_size})
    return BlipProcessor(image_processor=image_processor, tokenizer=tokenizer)


def _config(settings: dict[str, Any], tokenizer, architecture: str):
    from transformers import BlipConfig

    text = {
        "vocab_size": len(tokenizer), "hidden_size": settings["hidden_size"],
        "encoder_hidden_size": settings["vision_hidden_size"], "intermediate_size": settings["intermediate_size"],
        "num_hidden_layers": settings["num_hidden_layers"], "num_attention_heads": settings["num_attention_heads"],
        "max_position_embeddings": settings["max_position_embeddings"],
        "bos_token_id": tokenizer.convert_tokens_to_ids("[DEC]"), "pad_token_id": tokenizer.pad_token_id,
        "sep_token_id": tokenizer.sep_token_id, "eos_token_id": tokenizer.sep_token_id,
        "initializer_range": settings["initializer_range"],
    }
    vision = {
        "hidden_size": settings["vision_hidden_size"], "intermediate_size": settings["vision_intermediate_size"],
        "num_hidden_layers": settings["vision_layers"], "num_attention_heads": settings["vision_heads"],
        "image_size": settings["image_size"], "patch_size": settings["patch_size"],
        "initializer_range": settings["initializer_range"],
    }
    return BlipConfig(text_config=text, vision_config=vision, image_text_hidden_size=settings["image_text_hidden_size"],
                      initializer_range=settings["initializer_range"], architectures=[architecture])


def _write_weights(config, out: Path, seed: int) -> None:
    import torch
    import transformers

    from docai.models.loader import quiet_transformers

    model_class = getattr(transformers, config.architectures[0])
    with torch.random.fork_rng(devices=[]), quiet_transformers():
        torch.manual_seed(seed)
        model = model_class(config).eval()
        model.save_pretrained(out, safe_serialization=True)
