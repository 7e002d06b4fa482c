"""Typed options for a conversion, with the security limits and their defaults."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from docai.errors import ConfigError

MiB = 1024 * 1024
#: defaults of the content limits (see docs/security.md for how they were chosen)
DEFAULT_PAGE_OPERATORS = 500_000
DEFAULT_PAGE_CONTENT = 32 * MiB
DEFAULT_DOCUMENT_OPERATORS = 20_000_000

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_size(text: str) -> int:
    """``"200MB"``, ``"1.5g"``, ``"4096"`` → bytes (binary units); a ConfigError line otherwise."""
    m = _SIZE.match(str(text))
    if not m:
        raise ConfigError(f"{text!r} is not a size like 200MB or 1G")
    unit = (m.group(2) or "").lower()[:1]
    return int(float(m.group(1)) * _UNITS[unit])


class EngineChoice(StrEnum):
    """``--engine``: ``auto`` routes each page; the others force a path for every page."""

    auto = "auto"
    text = "text"
    ocr = "ocr"
    nougat = "nougat"
    donut = "donut"


class Limits(BaseModel):
    """Guards against hostile or accidental huge inputs. ``0`` disables a limit."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_file_bytes: int = Field(default=200 * MiB, ge=0)
    max_pages: int = Field(default=2000, ge=0)
    max_image_pixels: int = Field(default=180_000_000, ge=0, description="per page image or raster input")
    page_timeout_s: float = Field(default=120.0, ge=0, description="time budget per page")
    max_page_operators: int = Field(default=DEFAULT_PAGE_OPERATORS, ge=0, description=(
        "content operators one page may draw, forms counted each time they are drawn"))
    max_page_content_bytes: int = Field(default=DEFAULT_PAGE_CONTENT, ge=0, description=(
        "decoded content-stream bytes one page may draw"))
    max_document_operators: int = Field(default=DEFAULT_DOCUMENT_OPERATORS, ge=0, description=(
        "content operators of all selected pages together (a stream shared by pages counts on each)"))


class ConvertOptions(BaseModel):
    """Everything that shapes a conversion. Options that change page output feed the cache key."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pages: str | None = Field(default=None, description="1-based selection like '1-3,7'; None = all")
    password: str | None = Field(default=None, repr=False)
    engine: EngineChoice = EngineChoice.auto
    ocr_dpi: int = Field(default=150, ge=50, le=600)
    nougat_model: str | None = Field(default=None, description="hub id or local dir; enables the nougat path")
    donut_model: str | None = Field(default=None, description="hub id or local dir; for --engine donut")
    donut_task: str = Field(default="cord-v2", description="Donut task token for --engine donut")
    allow_pickle: bool = Field(default=False, description="let neural engines load pickle (.bin) checkpoints")
    batch_size: int | None = Field(default=None, ge=1)
    keep_furniture: bool = Field(default=False, description="keep running headers, footers and page numbers "
                                 "in the markdown (they are always in the JSON)")
    describe_figures: str | None = Field(default=None, description="FAMILY:CHECKPOINT of a plugin model that "
                                         "captions every figure block (e.g. blip:Salesforce/blip-image-captioning-base)")
    use_cache: bool = True
    recompute: bool = Field(default=False, description="ignore cached pages (and rewrite them)")
    cache_dir: str | None = None
    limits: Limits = Field(default_factory=Limits)

    def page_fingerprint_options(self) -> dict[str, Any]:
        """The subset of options that changes what a page engine produces (part of the cache key)."""
        return {"ocr_dpi": self.ocr_dpi, "nougat_model": self.nougat_model, "donut_model": self.donut_model,
                "donut_task": self.donut_task}
