"""A model whose code ships outside transformers (as a plugin's would), for testing the one loader.

``ToyConfig`` (model_type ``docai-toy``) and two heads, ``ToyForA`` and ``ToyForB``, sharing it: kinds tell
them apart by the checkpoint's ``architectures``. :func:`write_toy` writes a checkpoint with a PIL image
processor and no tokenizer.
"""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import BlipImageProcessor, PretrainedConfig, PreTrainedModel


class ToyConfig(PretrainedConfig):
    model_type = "docai-toy"

    def __init__(self, width: int = 4, **kwargs) -> None:
        self.width = width
        super().__init__(**kwargs)


class ToyForA(PreTrainedModel):
    config_class = ToyConfig
    base_model_prefix = "toy"

    def __init__(self, config: ToyConfig) -> None:
        super().__init__(config)
        self.proj = torch.nn.Linear(config.width, config.width)
        self.post_init()

    def forward(self, x):
        return self.proj(x)


class ToyForB(ToyForA):
    pass


def write_toy(directory: Path, *, seed: int = 0, head: str = "a", **overrides) -> Path:
    torch.manual_seed(seed)
    model = (ToyForA if head == "a" else ToyForB)(ToyConfig(**overrides))
    model.save_pretrained(directory, safe_serialization=True)
    BlipImageProcessor(size={"height": 16, "width": 16}).save_pretrained(directory)
    return Path(directory)
