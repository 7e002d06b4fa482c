"""Flag parsing shared by commands (sizes, limits)."""

from __future__ import annotations

import re

import click

from docai.options import Limits

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_size(text: str) -> int:
    """``"200MB"``, ``"1.5g"``, ``"4096"`` → bytes (binary units)."""
    m = _SIZE.match(text)
    if not m:
        raise click.BadParameter(f"{text!r} is not a size like 200MB or 1G")
    unit = (m.group(2) or "").lower()[:1]
    return int(float(m.group(1)) * _UNITS[unit])


class SizeParam(click.ParamType):
    name = "SIZE"

    def convert(self, value, param, ctx):
        return value if isinstance(value, int) else parse_size(str(value))


def limit_options(func):
    """Add ``--max-file-size``, ``--max-pages``, ``--max-image-pixels`` and ``--page-timeout``."""
    d = Limits()
    func = click.option("--page-timeout", type=float, default=d.page_timeout_s, show_default=True,
                        help="Time budget per page in seconds (0: none).")(func)
    func = click.option("--max-image-pixels", type=int, default=d.max_image_pixels, show_default=True,
                        help="Largest image or page raster, in pixels (0: no limit).")(func)
    func = click.option("--max-pages", type=int, default=d.max_pages, show_default=True,
                        help="Most pages one document may have or select (0: no limit).")(func)
    func = click.option("--max-file-size", type=SizeParam(), default=d.max_file_bytes, show_default=True,
                        help="Largest input file, e.g. 200MB (0: no limit).")(func)
    return func


def limits_from(max_file_size: int, max_pages: int, max_image_pixels: int, page_timeout: float) -> Limits:
    return Limits(max_file_bytes=max_file_size, max_pages=max_pages, max_image_pixels=max_image_pixels,
                  page_timeout_s=page_timeout)
