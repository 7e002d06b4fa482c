"""Page images → Donut pixel tensors: the checkpoint's ``DonutImageProcessor`` steps, batched.

The geometry follows transformers' Donut image processor exactly — rotate to the canvas' long axis
(optional), resize the short edge to the canvas' short edge, shrink to fit (thumbnail), centre-pad with
black — and the resampling is PIL's, as there. Rescaling and normalising, which the processor does image
by image in float64 NumPy, run here once for the whole batch in torch on the model's device, from a
uint8 batch (a quarter of the bytes to move to a GPU). ``tests/engines/donut`` checks the result equals
the processor's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

_BILINEAR = 2


@dataclass(frozen=True)
class DonutPreprocess:
    """The settings of a Donut image processor that shape its output."""

    height: int
    width: int
    resample: int = _BILINEAR
    do_resize: bool = True
    do_thumbnail: bool = True
    do_align_long_axis: bool = False
    do_pad: bool = True
    do_rescale: bool = True
    rescale_factor: float = 1 / 255
    do_normalize: bool = True
    mean: tuple[float, ...] = (0.5, 0.5, 0.5)
    std: tuple[float, ...] = (0.5, 0.5, 0.5)

    @classmethod
    def from_processor(cls, processor: Any) -> DonutPreprocess | None:
        """The settings of a transformers Donut image processor, or ``None`` when it is not one or does
        something this module does not reproduce (then the processor itself is used)."""
        if "Donut" not in type(processor).__name__ or getattr(processor, "do_center_crop", None):
            return None
        size = getattr(processor, "size", None)
        get = size.get if isinstance(size, dict) else (lambda k: getattr(size, k, None))
        height, width = get("height"), get("width")
        if not height or not width:
            return None
        resample = getattr(processor, "resample", _BILINEAR)
        return cls(
            height=int(height), width=int(width),
            resample=int(getattr(resample, "value", resample) if resample is not None else _BILINEAR),
            do_resize=bool(processor.do_resize), do_thumbnail=bool(processor.do_thumbnail),
            do_align_long_axis=bool(processor.do_align_long_axis), do_pad=bool(processor.do_pad),
            do_rescale=bool(processor.do_rescale), rescale_factor=float(processor.rescale_factor),
            do_normalize=bool(processor.do_normalize),
            mean=_triple(processor.image_mean), std=_triple(processor.image_std),
        )

    def fit(self, image: Image.Image) -> Image.Image:
        """Rotate, resize and thumbnail one image (uint8 RGB), as the processor does before padding."""
        image = image.convert("RGB")
        if self.do_align_long_axis and _crosses(image.width, image.height, self.width, self.height):
            image = image.transpose(Image.Transpose.ROTATE_270)  # np.rot90(k=3) in the processor
        if self.do_resize:
            image = _resize(image, _short_edge_size(image.width, image.height, min(self.height, self.width)),
                            self.resample)
        if self.do_thumbnail:
            image = _resize(image, _thumbnail_size(image.width, image.height, self.width, self.height),
                            self.resample)
        return image

    def batch_uint8(self, images: Sequence[Image.Image]) -> np.ndarray:
        """The fitted images centre-padded onto black canvases: uint8, batch × height × width × 3."""
        fitted = [self.fit(img) for img in images]
        if not self.do_pad:
            sizes = {img.size for img in fitted}
            if len(sizes) != 1:
                raise ValueError(f"images of different sizes {sorted(sizes)} cannot form a batch without padding")
            return np.stack([np.asarray(img) for img in fitted])
        batch = np.zeros((len(fitted), self.height, self.width, 3), dtype=np.uint8)
        for i, img in enumerate(fitted):
            top, left = (self.height - img.height) // 2, (self.width - img.width) // 2
            batch[i, top:top + img.height, left:left + img.width] = np.asarray(img)
        return batch

    def __call__(self, images: Sequence[Image.Image], *, device: Any = None, dtype: Any = None):
        """The encoder input for ``images``: a float tensor batch × 3 × height × width on ``device``.

        Rescale and normalise are folded into one in-place affine map per channel,
        ``x * (factor / std) - mean / std``, applied to the channels-last batch; the result is a
        channels-first view of it (the layout the processor returns, in channels-last memory).
        """
        import torch

        pixels = torch.from_numpy(self.batch_uint8(images)).to(device=device).to(torch.float32)
        scale = torch.full((3,), self.rescale_factor if self.do_rescale else 1.0, dtype=torch.float64)
        shift = torch.zeros(3, dtype=torch.float64)
        if self.do_normalize:
            mean = torch.tensor(self.mean, dtype=torch.float64)
            std = torch.tensor(self.std, dtype=torch.float64)
            scale, shift = scale / std, -mean / std
        pixels.mul_(scale.to(pixels)).add_(shift.to(pixels))
        pixels = pixels.permute(0, 3, 1, 2)
        return pixels.to(dtype=dtype) if dtype is not None else pixels


def _triple(value: Any) -> tuple[float, ...]:
    values = [float(v) for v in (value if isinstance(value, (list, tuple)) else [value])]
    return tuple(values * 3) if len(values) == 1 else tuple(values)


def _crosses(width: int, height: int, canvas_width: int, canvas_height: int) -> bool:
    """Whether the image's long axis lies across the canvas' long axis."""
    return (canvas_width < canvas_height and width > height) or (canvas_width > canvas_height and width < height)


def _short_edge_size(width: int, height: int, short: int) -> tuple[int, int]:
    """(width, height) with the short edge at ``short``, the long one scaled and truncated (transformers)."""
    if width <= height:
        return short, int(short * height / width)
    return int(short * width / height), short


def _thumbnail_size(width: int, height: int, max_width: int, max_height: int) -> tuple[int, int]:
    """(width, height) shrunk to fit ``max_width`` × ``max_height`` keeping the aspect (transformers)."""
    new_height, new_width = min(height, max_height), min(width, max_width)
    if (new_width, new_height) == (width, height):
        return width, height
    if height > width:
        new_width = int(width * new_height / height)
    elif width > height:
        new_height = int(height * new_width / width)
    return new_width, new_height


def _resize(image: Image.Image, size: tuple[int, int], resample: int) -> Image.Image:
    return image if image.size == size else image.resize(size, resample=resample)
