"""The typed options of the built-in page engines and of the Donut verbs, each declared once.

Every field becomes, by the same rule for built-in and plugin engines, the flat keyword
``<engine>_<field>`` of :class:`docai.options.ConvertOptions` (``ocr_dpi``, ``nougat_model``), the CLI flag
``--<engine>-<field>``, the HTTP form field and the Python client's argument of the same flat name, and
(through the engine's ``cache_options``) part of the page-cache key. A field marked ``MODEL_REF`` names a
checkpoint: the HTTP API accepts only a model name for it, never a path.

The Donut verbs (``docai extract``/``ask``/``classify``) take :class:`ExtractOptions`, :class:`AskOptions` and
:class:`ClassifyOptions` the same way: their flags, the ``POST /v1/ask`` form and ``DocaiClient.ask``'s
arguments are derived from the class (see :mod:`docai.fields`).
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from docai.options import Limits

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


class DonutCallOptions(EngineOptions):
    """The options of the Donut verbs (``docai extract``, ``ask``, ``classify``; ``POST /v1/ask``), declared
    once: each field is a CLI flag, a keyword of :func:`docai.engines.donut.extract` and its siblings, and — if
    listed in ``REMOTE`` — a form field of ``POST /v1/ask`` and an argument of ``DocaiClient.ask``."""

    #: what a queued question may set (workers choose the device and load safetensors only)
    REMOTE: ClassVar[frozenset[str]] = frozenset({"model", "task", "pages", "password", "batch_size", "dpi",
                                                  "max_length"})

    model: str = Field(min_length=1, json_schema_extra={**MODEL_REF, "short": "-m"},
                       description="Donut checkpoint: a local directory or a hub id (over HTTP: a model name)")
    task: str = Field(min_length=1, max_length=100, json_schema_extra={"short": "-t"},
                      description="task token of the checkpoint (without <s_ >)")
    pages: str | None = Field(default=None, json_schema_extra={"short": "-p"},
                              description="pages to read, 1-based: '1-3,7', '5-'; empty = all")
    password: str | None = Field(default=None, repr=False, description="password of an encrypted PDF")
    batch_size: int | None = Field(default=None, ge=1, description="pages per batch (default 4)")
    dpi: int | None = Field(default=None, ge=1, le=600,
                            description="render resolution (default: fit the model's canvas)")
    max_length: int | None = Field(default=None, ge=2, description="longest sequence to generate, in tokens")
    device: str | None = Field(default=None, description="cpu, cuda, cuda:N, mps or auto (default: $DOCAI_DEVICE, "
                                                         "then the best)")
    dtype: str | None = Field(default=None, description="fp32, bf16, fp16 or auto (default: $DOCAI_DTYPE, then the "
                                                        "device's)")
    allow_pickle: bool = Field(default=False, description="load a pickle-only (.bin) checkpoint; pickles can run "
                                                          "code: only for trusted sources")
    limits: Limits = Field(default_factory=Limits, description="content limits (the --max-* flags)")


class ExtractOptions(DonutCallOptions):
    task: str = Field(default="cord-v2", min_length=1, max_length=100, json_schema_extra={"short": "-t"},
                      description="task token of the checkpoint: cord-v2, rvlcdip, or a fine-tune's own "
                                  "(without <s_ >)")


class AskOptions(DonutCallOptions):
    task: str = Field(default="docvqa", min_length=1, max_length=100, json_schema_extra={"short": "-t"},
                      description="question-answering task token")


class ClassifyOptions(DonutCallOptions):
    task: str = Field(default="rvlcdip", min_length=1, max_length=100, json_schema_extra={"short": "-t"},
                      description="classification task token")
