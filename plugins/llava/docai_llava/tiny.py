"""Tiny random LLaVA checkpoints (LLaVA-1.5, NeXT and OneVision shapes) with every file a real one has.

The processor files are the real ones' (``LlavaProcessor``/``LlavaNextProcessor`` with a CLIP image
processor, ``patch_size``, the feature strategy; OneVision's SigLIP tower, ``full`` features and
``anyres_max_9`` tiles) and the tokenizer has ``<image>`` as one special token and
a LLaVA-1.5-style chat template (``USER: <image>\\n… ASSISTANT:``), since a tiny model has no checkpoint to
take one from. Weights are drawn wider than the real initialisation (std 0.5) so different images and
prompts give different answers.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from docai.errors import ConfigError

IMAGE_TOKEN = "<image>"
VIDEO_TOKEN = "<video>"  # OneVision's processor counts it in every prompt; a real tokenizer has it
#: LLaVA-1.5's conversation format as a chat template (messages with text and image items)
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if message['role'] == 'system' %}"
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
    "{% for item in message['content'] %}{% if item['type'] == 'text' %}{{ item['text'] }}{% endif %}{% endfor %}"
    "{% endif %}{{ ' ' }}"
    "{% else %}{{ message['role'].upper() + ': ' }}"
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
    "{% for item in message['content'] %}"
    "{% if item['type'] == 'image' %}{{ '<image>\n' }}{% elif item['type'] == 'text' %}{{ item['text'] }}{% endif %}"
    "{% endfor %}{% endif %}"
    "{% if message['role'] == 'assistant' %}{{ eos_token }}{% endif %}{{ ' ' }}"
    "{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ 'ASSISTANT:' }}{% endif %}"
)
VARIANTS = ("llava", "llava_next", "llava_onevision")
IMAGE_SIZE = 28
PATCH = 7


def write_tiny_llava(directory: str | os.PathLike, *, seed: int = 0, variant: str = "llava",
                     **overrides: Any) -> Path:
    """Write a tiny random LLaVA (``variant``: ``llava`` = 1.5, ``llava_next`` = NeXT, ``llava_onevision``)."""
    import torch
    import transformers
    from transformers import (
        AutoTokenizer,
        CLIPVisionConfig,
        GenerationConfig,
        LlamaConfig,
        SiglipVisionConfig,
    )

    from docai.models.tiny_tokenizers import write_llama_tokenizer

    if variant not in VARIANTS:
        raise ConfigError(f"unknown tiny LLaVA variant {variant!r}: choose {' or '.join(VARIANTS)}")
    if overrides:
        raise ConfigError(f"unknown tiny-model setting(s) for llava: {', '.join(sorted(overrides))}")
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    special = (IMAGE_TOKEN, VIDEO_TOKEN) if variant == "llava_onevision" else (IMAGE_TOKEN,)
    vocab = write_llama_tokenizer(out, special=special, pad_token="<pad>", chat_template=CHAT_TEMPLATE)
    tokenizer = AutoTokenizer.from_pretrained(out)
    tower = SiglipVisionConfig if variant == "llava_onevision" else CLIPVisionConfig
    vision = tower(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                   image_size=IMAGE_SIZE, patch_size=PATCH, initializer_range=0.5)
    text = LlamaConfig(vocab_size=vocab, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                       num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024,
                       tie_word_embeddings=False, bos_token_id=1, eos_token_id=2,
                       pad_token_id=tokenizer.pad_token_id, initializer_range=0.5)
    strategy = "full" if variant == "llava_onevision" else "default"
    common = dict(vision_config=vision, text_config=text, image_token_id=tokenizer.convert_tokens_to_ids(IMAGE_TOKEN),
                  vision_feature_layer=-2, vision_feature_select_strategy=strategy, initializer_range=0.5)
    image_processor_args = dict(size={"shortest_edge": IMAGE_SIZE}, crop_size={"height": IMAGE_SIZE, "width": IMAGE_SIZE},
                                do_center_crop=True)
    grid = [[IMAGE_SIZE, 2 * IMAGE_SIZE], [2 * IMAGE_SIZE, IMAGE_SIZE], [2 * IMAGE_SIZE, 2 * IMAGE_SIZE]]
    processor_args = dict(vision_feature_select_strategy=strategy, chat_template=CHAT_TEMPLATE)
    if variant == "llava":
        config = transformers.LlavaConfig(**common)
        model_class, processor_class = transformers.LlavaForConditionalGeneration, transformers.LlavaProcessor
        image_processor = transformers.CLIPImageProcessor(**image_processor_args)
        processor_args.update(patch_size=PATCH, num_additional_image_tokens=1)
    elif variant == "llava_next":
        config = transformers.LlavaNextConfig(**common, image_grid_pinpoints=grid)
        model_class, processor_class = transformers.LlavaNextForConditionalGeneration, transformers.LlavaNextProcessor
        image_processor = transformers.LlavaNextImageProcessor(**image_processor_args, image_grid_pinpoints=grid)
        processor_args.update(patch_size=PATCH, num_additional_image_tokens=1)
    else:
        config = transformers.LlavaOnevisionConfig(**common, image_grid_pinpoints=grid)
        model_class = transformers.LlavaOnevisionForConditionalGeneration
        from docai_llava.onevision import ImageOnlyOnevisionProcessor as processor_class
        image_processor = transformers.LlavaOnevisionImageProcessor(
            size={"height": IMAGE_SIZE, "width": IMAGE_SIZE}, image_grid_pinpoints=grid)
        processor_args.update(num_image_tokens=(IMAGE_SIZE // PATCH) ** 2, vision_aspect_ratio="anyres_max_9")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = model_class(config).eval()
    model.save_pretrained(out, safe_serialization=True)
    processor = processor_class(image_processor=image_processor, tokenizer=tokenizer, **processor_args)
    processor.save_pretrained(out)
    GenerationConfig(bos_token_id=1, eos_token_id=2, pad_token_id=tokenizer.pad_token_id,
                     max_new_tokens=32).save_pretrained(out)
    return out


def write_tiny_llava_next(directory: str | os.PathLike, *, seed: int = 0, **overrides: Any) -> Path:
    """The ``llava_next`` kind's tiny writer."""
    return write_tiny_llava(directory, seed=seed, variant="llava_next", **overrides)


def write_tiny_llava_onevision(directory: str | os.PathLike, *, seed: int = 0, **overrides: Any) -> Path:
    """The ``llava_onevision`` kind's tiny writer."""
    return write_tiny_llava(directory, seed=seed, variant="llava_onevision", **overrides)
