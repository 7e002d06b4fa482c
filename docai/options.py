"""Typed options for a conversion, with the security limits and their defaults."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)

from docai.errors import ConfigError, validation_message

MiB = 1024 * 1024
#: defaults of the content limits (see docs/security.md for how they were chosen)
DEFAULT_PAGE_OPERATORS = 500_000
DEFAULT_PAGE_CONTENT = 32 * MiB
DEFAULT_DOCUMENT_OPERATORS = 20_000_000
DEFAULT_DOCUMENT_CONTENT = 1024 * MiB

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_size(text: str) -> int:
    """``"200MB"``, ``"1.5g"``, ``"4096"`` → bytes (binary units); a ConfigError line otherwise."""
    m = _SIZE.match(str(text))
    if not m:
        raise ConfigError(f"{text!r} is not a size like 200MB or 1G")
    unit = (m.group(2) or "").lower()[:1]
    return int(float(m.group(1)) * _UNITS[unit])


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
    max_document_content_bytes: int = Field(default=DEFAULT_DOCUMENT_CONTENT, ge=0, description=(
        "decoded content-stream bytes of all selected pages together"))


class ConvertOptions(BaseModel):
    """Everything that shapes a conversion. Options that change page output feed the cache key.

    Each page engine's own options (declared once, as the engine's ``options`` class) are given flat as
    ``<engine>_<field>`` — ``ocr_dpi=200``, ``nougat_model="..."``, ``donut_task="rvlcdip"`` — and dumped the
    same way; :meth:`engine_config` returns one engine's options as its typed model. Forcing an engine that
    needs a model without one is refused here, so also at submit time.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: what a queued conversion may set: the HTTP form fields and the Python client's arguments (with every
    #: engine's ``<engine>_<field>`` options); see :mod:`docai.fields`
    REMOTE: ClassVar[frozenset[str]] = frozenset({"pages", "engine", "password", "batch_size", "recompute",
                                                  "keep_furniture", "describe_figures"})

    pages: str | None = Field(default=None, json_schema_extra={"short": "-p"},
                              description="1-based selection like '1-3,7'; empty = all")
    password: str | None = Field(default=None, repr=False, description="password of an encrypted PDF")
    engine: str = Field(default="auto", description="auto routes each page; an engine name forces it for every "
                                                    "page; FAMILY:CHECKPOINT reads pages with a plugin model")
    allow_pickle: bool = Field(default=False, description="let neural engines load pickle (.bin) checkpoints; only "
                                 "for trusted sources")
    batch_size: int | None = Field(default=None, ge=1, description="pages per engine batch (default: the engine's choice)")
    keep_furniture: bool = Field(default=False, description="keep running headers, footers and page numbers "
                                 "in the markdown (they are always in the JSON)")
    describe_figures: str | None = Field(default=None, description="FAMILY:CHECKPOINT of a plugin model that "
                                         "captions every figure block (e.g. blip:Salesforce/blip-image-captioning-base)")
    use_cache: bool = True
    recompute: bool = Field(default=False, description="ignore cached pages (and rewrite them)")
    cache_dir: str | None = None
    limits: Limits = Field(default_factory=Limits)
    engine_options: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="each engine's options by engine name (given flat as <engine>_<field>)")

    @model_validator(mode="before")
    @classmethod
    def _gather_engine_options(cls, data: Any) -> Any:
        """Move flat ``<engine>_<field>`` keywords into ``engine_options[engine][field]``."""
        if not isinstance(data, dict):
            return data
        from docai.engines import engine_fields

        fields = engine_fields()
        nested = {name: dict(values) for name, values in (data.get("engine_options") or {}).items()}
        rest = {}
        for key, value in data.items():
            if key in fields and key not in cls.model_fields:
                nested.setdefault(fields[key].engine, {})[fields[key].name] = value
            elif key != "engine_options":
                rest[key] = value
        return {**rest, "engine_options": nested}

    @field_validator("engine_options")
    @classmethod
    def _validate_engine_options(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """Every engine's options validated by its class, defaults filled in (unknown engines refused)."""
        from docai.engines import engine_options_for, engine_specs, own_model_fields, page_model_options

        specs = engine_specs()
        models = page_model_options()
        unknown = sorted(set(value) - set(specs) - set(models))
        if unknown:
            raise ConfigError(f"options for unknown engine(s) {', '.join(unknown)}: known are "
                              f"{', '.join([*specs, *models])}")
        checked = {}
        for name in [*specs, *(family for family in models if family in value)]:
            if name in models and set(value[name]) - set(own_model_fields(models[name])):
                extra = sorted(set(value[name]) - set(own_model_fields(models[name])))
                raise ConfigError(f"unknown option(s) {', '.join(f'{name}_{k}' for k in extra)}")
            try:
                options = engine_options_for(name, value.get(name))
            except ValidationError as exc:
                raise ConfigError(validation_message(exc.errors(), f"{name}_")) from None
            if options is None:
                continue
            own = set(own_model_fields(models[name])) if name in models else None
            checked[name] = options.model_dump(mode="json", include=own)
        return checked

    @model_validator(mode="after")
    def _check_engine(self) -> ConvertOptions:
        """The engine exists; a forced engine has what it requires; a model engine can read pages."""
        if self.engine == "auto":
            return self
        from docai.engines import engine_spec, is_model_engine

        if is_model_engine(self.engine):
            from docai.plugins.models import resolve

            resolve(self.engine, "read_page")
            return self
        spec = engine_spec(self.engine)
        if spec.requires and not self.engine_options.get(self.engine, {}).get(spec.requires):
            flat = f"{self.engine}_{spec.requires}"
            raise ConfigError(f"--engine {self.engine} needs {flat} (--{flat.replace('_', '-')}): "
                              f"the engine cannot run without it")
        return self

    @field_validator("describe_figures")
    @classmethod
    def _check_describer(cls, value: str | None) -> str | None:
        """A figure describer is an installed plugin family that can caption (refused here, so at submit too)."""
        if value:
            from docai.plugins.models import resolve

            resolve(value, "caption")
        return value

    @model_serializer(mode="wrap")
    def _flatten_engine_options(self, handler: Any) -> dict[str, Any]:
        data = handler(self)
        for engine, values in (data.pop("engine_options", None) or {}).items():
            for key, value in values.items():
                data[f"{engine}_{key}"] = value
        return data

    def engine_config(self, name: str) -> Any:
        """Engine ``name``'s options as its typed model (e.g. ``engine_config("ocr").dpi``)."""
        from docai.engines import engine_options_for

        return engine_options_for(name, self.engine_options.get(name))


def remote_convert_fields() -> dict[str, Any]:
    """What a queued conversion may set, by flat name — the ``POST /v1/jobs`` form fields and the arguments of
    ``DocaiClient.submit``: the :attr:`ConvertOptions.REMOTE` fields, then every installed engine's options
    (``ocr_dpi``, ``nougat_model`` …). Values are :class:`docai.fields.OptionField` s."""
    from docai.engines import engine_fields
    from docai.fields import remote_fields

    return {**remote_fields(ConvertOptions), **engine_fields()}
