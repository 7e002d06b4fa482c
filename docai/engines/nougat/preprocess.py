"""Page images → Nougat pixel tensors, as the original Nougat prepares them.

The steps and their numerics follow ``nougat/model.py`` (``SwinEncoder.prepare_input``) and
transformers' ``NougatImageProcessor``: crop the white margins, (optionally) rotate to the canvas'
long axis, resize the short edge to the canvas' short edge, shrink to fit (thumbnail), centre-pad with
black, rescale to [0, 1] and normalise. The resampling itself is PIL's (bit-exact with the reference);
the margin search, padding and normalisation are vectorised and done for the whole batch at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

#: PIL resampling filters, by the integer ids image processors store
_BILINEAR = 2
_BICUBIC = 3
_GRAY_THRESHOLD = 200


@dataclass(frozen=True)
class PreprocessConfig:
    """The canvas and normalisation of a Nougat checkpoint (defaults: nougat-base / -small)."""

    height: int = 896
    width: int = 672
    mean: tuple[float, float, float] = (0.485, 0.456, 0.406)
    std: tuple[float, float, float] = (0.229, 0.224, 0.225)
    resample: int = _BILINEAR
    crop_margin: bool = True
    align_long_axis: bool = False
    rescale_factor: float = 1 / 255

    @classmethod
    def from_processor(cls, processor: Any) -> PreprocessConfig:
        """Read the settings of a transformers ``NougatProcessor`` or ``NougatImageProcessor``."""
        image_processor = getattr(processor, "image_processor", processor)
        size = getattr(image_processor, "size", None) or {}
        get = size.get if isinstance(size, dict) else (lambda k, d=None: getattr(size, k, d))
        resample = getattr(image_processor, "resample", _BILINEAR)
        return cls(
            height=int(get("height", cls.height) or cls.height),
            width=int(get("width", cls.width) or cls.width),
            mean=tuple(getattr(image_processor, "image_mean", None) or cls.mean),
            std=tuple(getattr(image_processor, "image_std", None) or cls.std),
            resample=int(getattr(resample, "value", resample) if resample is not None else _BILINEAR),
            crop_margin=bool(getattr(image_processor, "do_crop_margin", True)),
            align_long_axis=bool(getattr(image_processor, "do_align_long_axis", False)),
            rescale_factor=float(getattr(image_processor, "rescale_factor", cls.rescale_factor)),
        )


def margin_box(gray: np.ndarray) -> tuple[int, int, int, int] | None:
    """The bounding box ``(x0, y0, x1, y1)`` of the content of a grayscale page, or ``None`` for a flat one.

    As in the original ``crop_margin``: stretch the gray levels to 0-255 and keep every pixel darker
    than 200. The stretch is evaluated once per gray level (a 256-entry table) rather than per pixel.
    """
    lo, hi = int(gray.min()), int(gray.max())
    if lo == hi:
        return None
    dark = (np.arange(256, dtype=np.float64) - lo) / (hi - lo) * 255 < _GRAY_THRESHOLD
    mask = dark[gray]
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def crop_margin(image: Image.Image) -> Image.Image:
    """``image`` without its white margins (unchanged when the page is one flat colour)."""
    box = margin_box(np.asarray(image.convert("L")))
    return image if box is None else image.crop(box)


def fit_to_canvas(image: Image.Image, config: PreprocessConfig) -> Image.Image:
    """Crop, align, resize and thumbnail one RGB page so that it fits the canvas (not yet padded)."""
    image = image.convert("RGB")
    if config.crop_margin:
        image = crop_margin(image)
    height, width = config.height, config.width
    if config.align_long_axis and ((width < height and image.width > image.height)
                                   or (width > height and image.width < image.height)):
        image = image.transpose(Image.Transpose.ROTATE_270)
    image = _resize_short_edge(image, min(height, width), config.resample)
    return _thumbnail(image, height, width)


def _resize_short_edge(image: Image.Image, short: int, resample: int) -> Image.Image:
    w, h = image.size
    size = (short, int(short * h / w)) if w <= h else (int(short * w / h), short)
    return image.resize(size, resample=resample)


def _thumbnail(image: Image.Image, max_height: int, max_width: int) -> Image.Image:
    """Shrink to fit ``max_height`` × ``max_width`` keeping the aspect (bicubic, PIL's reducing gap 2)."""
    w, h = image.size
    height, width = min(h, max_height), min(w, max_width)
    if (height, width) == (h, w):
        return image
    if h > w:
        width = int(w * height / h)
    elif w > h:
        height = int(h * width / w)
    return image.resize((width, height), resample=_BICUBIC, reducing_gap=2.0)


def pad_and_normalize(images: Sequence[Image.Image], config: PreprocessConfig):
    """Centre-pad fitted RGB images onto black canvases and normalise them: a float32 ``(B, 3, H, W)`` tensor."""
    import torch

    canvas = np.zeros((len(images), config.height, config.width, 3), dtype=np.uint8)
    for i, image in enumerate(images):
        w, h = image.size
        top, left = (config.height - h) // 2, (config.width - w) // 2
        canvas[i, top:top + h, left:left + w] = np.asarray(image)
    batch = torch.from_numpy(canvas).permute(0, 3, 1, 2).to(torch.float32)
    mean = torch.tensor(config.mean, dtype=torch.float32).view(1, 3, 1, 1)
    std = torch.tensor(config.std, dtype=torch.float32).view(1, 3, 1, 1)
    return batch.mul_(config.rescale_factor).sub_(mean).div_(std).contiguous()


def prepare_batch(images: Sequence[Image.Image], config: PreprocessConfig | None = None):
    """Page images → the ``pixel_values`` batch a Nougat encoder takes."""
    config = config or PreprocessConfig()
    return pad_and_normalize([fit_to_canvas(image, config) for image in images], config)
