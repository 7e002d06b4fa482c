"""The typed options of the built-in page engines, each declared once.

Every field becomes, by the same rule for built-in and plugin engines, the flat keyword
``<engine>_<field>`` of :class:`docai.options.ConvertOptions` (``ocr_dpi``, ``nougat_model``), the CLI flag
``--<engine>-<field>``, the HTTP form field and the Python client's argument of the same flat name, and
(through the engine's ``cache_options``) part of the page-cache key. A field marked ``MODEL_REF`` names a
checkpoint: the HTTP API accepts only a model name for it, never a path.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

#: ``json_schema_extra`` of a field that names a checkpoint (hub id or local directory)
MODEL_REF = {"model_ref": True}


class EngineOptions(BaseModel):
    """Base of every engine's options: unknown fields refused, values frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class OcrOptions(EngineOptions):
    dpi: int = Field(default=150, ge=50, le=600, description="render resolution for OCR")


class NougatOptions(EngineOptions):
    model: str | None = Field(default=None, json_schema_extra=MODEL_REF,
                              description="Nougat checkpoint (hub id or local dir); enables the nougat path")


class DonutOptions(EngineOptions):
    model: str | None = Field(default=None, json_schema_extra=MODEL_REF,
                              description="Donut checkpoint (hub id or local dir) for --engine donut (JSON per page)")
    task: str = Field(default="cord-v2", min_length=1, max_length=100, description="Donut task for --engine donut")
