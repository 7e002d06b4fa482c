"""Images a ``generate_image`` call drew: take them out of a result and write them as PNG files.

One place for what the CLI (in-process and ``--queue``), the HTTP API (``GET /v1/jobs/{id}/images/{n}``) and
the Python client (:meth:`docai.client.DocaiClient.save_images`) do with generated images: prompt ``i`` of
a call with ``-o OUT.png`` goes to ``OUT.png`` alone, or to ``OUT-1.png``, ``OUT-2.png`` … among several.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Any

from docai.errors import ConfigError, StorageError
from schemas.plugins import Capability, GeneratedImage, PluginResult


def generated_images(result: PluginResult | dict[str, Any]) -> list[GeneratedImage]:
    """The images of a ``generate_image`` result, in prompt order; :class:`ConfigError` for another capability."""
    result = result if isinstance(result, PluginResult) else PluginResult.model_validate(result)
    if result.capability is not Capability.generate_image:
        raise ConfigError(f"a {result.capability.value} result holds no generated images")
    return [GeneratedImage.model_validate(answer.output) for answer in result.answers]


def png_bytes(image: GeneratedImage) -> bytes:
    """The PNG file of ``image``; :class:`StorageError` if its base64 is damaged."""
    try:
        return base64.b64decode(image.png_base64, validate=True)
    except (binascii.Error, ValueError):
        raise StorageError("a generated image's PNG data is damaged") from None


def output_paths(output: Path, count: int) -> list[Path]:
    """``output`` for one image; ``stem-1.png`` … for several."""
    if count == 1:
        return [output]
    suffix = output.suffix or ".png"
    return [output.with_name(f"{output.stem}-{i}{suffix}") for i in range(1, count + 1)]


def write_png(data: bytes, target: Path) -> None:
    """Write ``data`` to ``target`` atomically (``.part`` then rename)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    part.write_bytes(data)
    part.replace(target)


def write_images(images: list[GeneratedImage], output: Path) -> list[Path]:
    """Write each of ``images`` as PNG to the :func:`output_paths` of ``output``; the paths written."""
    targets = output_paths(Path(output), len(images))
    for image, target in zip(images, targets, strict=True):
        write_png(png_bytes(image), target)
    return targets
