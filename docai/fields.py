"""The fields of a typed options class as every surface sees them: CLI flag, HTTP form field, client argument.

An options class (``ConvertOptions``, an engine's ``Options``, the Donut verbs' ``ExtractOptions`` …) is the
one declaration of its options. :func:`option_fields` turns its fields into :class:`OptionField` s; the CLI
(:mod:`docai.cli.fields`), the HTTP routes (:mod:`docai.api.forms`) and the Python client derive their flags,
form fields and keyword arguments from those, so a field added to the class appears everywhere at once.

A field's ``json_schema_extra`` may say ``{"short": "-m"}`` (its one-letter CLI alias) and
``{"model_ref": True}`` (it names a checkpoint: the HTTP API accepts only a model name for it). A class may
list, as the class variable ``REMOTE``, the fields a queued job may set (the HTTP form and the client's
arguments); the others are for in-process runs only.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

Model = TypeVar("Model", bound=BaseModel)


def base_type(annotation: Any) -> Any:
    """``int | None`` → ``int``; ``Optional[str]`` → ``str``; other annotations as they are."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else str
    return annotation


@dataclass(frozen=True)
class OptionField:
    """One field of an options class, with the flat name every surface uses.

    ``prefix`` is set for an engine's options, which are given flat as ``<engine>_<field>`` (``ocr_dpi``).
    """

    name: str
    info: FieldInfo
    prefix: str = ""

    @property
    def flat(self) -> str:
        """The keyword, form-field and client-argument name."""
        return f"{self.prefix}_{self.name}" if self.prefix else self.name

    @property
    def flag(self) -> str:
        """The long CLI flag (``--ocr-dpi``)."""
        return "--" + self.flat.replace("_", "-")

    @property
    def short(self) -> str | None:
        """The one-letter CLI alias the field declares (``-m``), if any."""
        return self._extra.get("short")

    @property
    def is_model_ref(self) -> bool:
        """Whether the field names a checkpoint (over HTTP: a model name, never a path)."""
        return bool(self._extra.get("model_ref"))

    @property
    def required(self) -> bool:
        return self.info.is_required()

    @property
    def default(self) -> Any:
        """The declared default (None for a required field or a default factory)."""
        return None if self.info.default is PydanticUndefined else self.info.default

    @property
    def kind(self) -> Any:
        """The field's type without ``None`` (``int | None`` → ``int``)."""
        return base_type(self.info.annotation)

    @property
    def _extra(self) -> dict[str, Any]:
        extra = self.info.json_schema_extra
        return extra if isinstance(extra, dict) else {}


def option_fields(cls: type[BaseModel], names: Iterable[str] | None = None, *,
                  exclude: Iterable[str] = ()) -> dict[str, OptionField]:
    """The fields of ``cls`` (only ``names`` when given, in declaration order) by flat name, less ``exclude``."""
    wanted = None if names is None else set(names)
    skip = set(exclude)
    return {name: OptionField(name=name, info=info) for name, info in cls.model_fields.items()
            if (wanted is None or name in wanted) and name not in skip}


def remote_fields(cls: type[BaseModel]) -> dict[str, OptionField]:
    """The fields of ``cls`` a queued job may set (its ``REMOTE`` class variable): HTTP form fields and the
    Python client's arguments."""
    return option_fields(cls, getattr(cls, "REMOTE", ()))


def validate_options(cls: type[Model], values: Model | dict[str, Any] | None, prefix: str = "") -> Model:
    """``values`` validated as ``cls``; bad fields are one ConfigError line naming them (``dpi: …``, each
    name after ``prefix``: see :func:`docai.errors.validation_message`)."""
    from pydantic import ValidationError

    from docai.errors import ConfigError, validation_message

    if isinstance(values, cls):
        return values
    try:
        return cls.model_validate(values or {})
    except ValidationError as exc:
        raise ConfigError(validation_message(exc.errors(), prefix)) from None
