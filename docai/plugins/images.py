"""Image preparation for plugin models: any accepted image → an RGB PIL image within the pixel limit.

Accepted: a PIL image, a path, or the bytes of a PNG, JPEG, TIFF, WebP, GIF or BMP file. A PDF page arrives
here already rendered (through :mod:`docai.ingest`, with its limits). Anything else is one
:class:`~docai.errors.UnsupportedInputError` line; an image over the limit a
:class:`~docai.errors.LimitExceededError` line, raised from the header before a pixel is decoded.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from PIL import Image

from docai.errors import CorruptDocumentError, InputError, LimitExceededError, UnsupportedInputError

ImageLike = Image.Image | str | os.PathLike | bytes


def prepare_image(image: ImageLike, max_pixels: int = 0, *, name: str | None = None) -> Image.Image:
    """``image`` as an RGB PIL image (transparency flattened onto white), checked against ``max_pixels``."""
    if isinstance(image, Image.Image):
        label = name or "image"
        _check_pixels(label, image.width, image.height, max_pixels)
        return to_rgb(image)
    label, data = _read(image, name)
    try:
        with Image.open(io.BytesIO(data)) as opened:
            _check_pixels(label, opened.width, opened.height, max_pixels)
            opened.load()
            return to_rgb(opened)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise LimitExceededError(f"{label}: image is too large to decode safely ({exc})") from None
    except Image.UnidentifiedImageError:
        raise UnsupportedInputError(f"{label}: not an image (PNG, JPEG, TIFF, WebP, GIF or BMP)") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise CorruptDocumentError(f"{label}: damaged image ({exc})") from None


def prepare_images(images: list[ImageLike], max_pixels: int = 0) -> list[Image.Image]:
    """:func:`prepare_image` for each of ``images``."""
    if not isinstance(images, list | tuple):
        raise InputError("images must be a list")
    return [prepare_image(image, max_pixels) for image in images]


def to_rgb(image: Image.Image) -> Image.Image:
    """An RGB copy of ``image``; transparent pixels become white rather than black."""
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def _check_pixels(label: str, width: int, height: int, max_pixels: int) -> None:
    if max_pixels and width * height > max_pixels:
        raise LimitExceededError(f"{label}: image of {width}x{height} = {width * height:,} pixels is over the "
                                 f"limit of {max_pixels:,} (--max-image-pixels)")


def _read(image: str | os.PathLike | bytes, name: str | None) -> tuple[str, bytes]:
    if isinstance(image, bytes | bytearray | memoryview):
        return name or "<bytes>", bytes(image)
    if isinstance(image, str | os.PathLike):
        path = Path(image)
        if not path.is_file():
            raise InputError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
        return name or str(path), path.read_bytes()
    raise UnsupportedInputError(f"{type(image).__name__} is not an image: pass a PIL image, a path or bytes")
