"""LLaVA-OneVision's processor without its video half, since torchvision cannot be imported here.

transformers' ``LlavaOnevisionProcessor`` insists on a video processor, and every video processor needs
torchvision; docai sends OneVision images only (chat, VQA, captions, pages). This processor is the same class
with the video processor left out: it loads a checkpoint's own image processor (PIL backend), tokenizer and
``processor_config.json`` settings (image tokens per tile, feature strategy, ``anyres_max_N``, chat template),
so the prompt's image tokens are counted exactly as the real processor counts them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from transformers import LlavaOnevisionProcessor

#: processor_config.json settings this processor takes from a checkpoint
SETTINGS = ("num_image_tokens", "vision_feature_select_strategy", "image_token", "video_token", "vision_aspect_ratio")


class ImageOnlyOnevisionProcessor(LlavaOnevisionProcessor):
    """``LlavaOnevisionProcessor`` for images: image processor and tokenizer, no video processor."""

    def __init__(self, image_processor=None, tokenizer=None, num_image_tokens=None,
                 vision_feature_select_strategy=None, chat_template=None, image_token="<image>",
                 video_token="<video>", vision_aspect_ratio="anyres_max_9") -> None:
        super().__init__(image_processor, tokenizer, None, num_image_tokens=num_image_tokens,
                         vision_feature_select_strategy=vision_feature_select_strategy, chat_template=chat_template,
                         image_token=image_token, video_token=video_token, vision_aspect_ratio=vision_aspect_ratio)

    def to_dict(self) -> dict[str, Any]:
        """Saved as the real ``LlavaOnevisionProcessor`` (what a OneVision checkpoint names)."""
        return {**super().to_dict(), "processor_class": "LlavaOnevisionProcessor"}

    @classmethod
    def from_pretrained(cls, directory: str | os.PathLike, **load: Any) -> ImageOnlyOnevisionProcessor:
        """The checkpoint's image processor, tokenizer, chat template and processor settings, loaded locally."""
        from transformers import AutoImageProcessor, AutoTokenizer

        path = Path(directory)
        settings = _read(path / "processor_config.json")
        template = settings.get("chat_template") or _template(path)
        return cls(image_processor=AutoImageProcessor.from_pretrained(path, backend="pil", **load),
                   tokenizer=AutoTokenizer.from_pretrained(path, **load), chat_template=template,
                   **{k: settings[k] for k in SETTINGS if k in settings})


def _read(file: Path) -> dict:
    return json.loads(file.read_text()) if file.is_file() else {}


def _template(path: Path) -> str | None:
    jinja = path / "chat_template.jinja"
    if jinja.is_file():
        return jinja.read_text()
    return _read(path / "chat_template.json").get("chat_template")
