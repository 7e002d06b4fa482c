"""What a plugin declares: a :class:`ModelSpec` per model family, an :class:`EngineSpec` per page engine.

Specs are plain data. Factories are ``"module:attr"`` strings imported only when a model or engine is
first used, so listing plugins imports no torch. A model id is ``FAMILY:CHECKPOINT`` (``blip:./tiny-blip``,
``blip:Salesforce/blip-image-captioning-base``); ``FAMILY`` alone uses the family's default checkpoint.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from docai.errors import ConfigError, ModelError
from docai.options import Limits
from schemas.plugins import Capability

#: family, engine and kind names: lower-case, digits, ``-`` and ``_``; they appear in ids, flags and URLs
NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


class ModelOptions(BaseModel):
    """Options every plugin model takes; a family's ``Options`` subclasses this and adds its own fields.

    Fields named in :attr:`RUNTIME` change how a model runs, not what it answers, so they stay out of
    cache keys. Unknown fields are refused (``extra="forbid"``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    RUNTIME: ClassVar[frozenset[str]] = frozenset({"batch_size", "device", "timeout_s", "max_image_pixels"})

    batch_size: int | None = Field(default=None, ge=1, le=1024, description="items per forward pass")
    device: str | None = Field(default=None, description="cpu, cuda, cuda:N, mps or auto ($DOCAI_DEVICE)")
    dtype: str | None = Field(default=None, description="fp32, bf16, fp16 or auto ($DOCAI_DTYPE)")
    timeout_s: float = Field(default=0.0, ge=0.0, description="time budget of one call in seconds (0: none)")
    max_image_pixels: int = Field(default=Limits().max_image_pixels, ge=0,
                                  description="largest input image in pixels (0: no limit)")

    def cache_options(self) -> dict[str, Any]:
        """The options that change a model's answers (part of every cache key)."""
        return self.model_dump(mode="json", exclude=set(self.RUNTIME))


@dataclass(frozen=True)
class ModelSpec:
    """One model family a plugin provides.

    ``factory`` is ``"module:attr"`` naming a :class:`docai.plugins.base.PluginModel` subclass (or any
    callable) called as ``factory(checkpoint, options)``; ``options`` is the family's options class (a
    :class:`ModelOptions` subclass, or ``"module:attr"`` naming one).
    """

    family: str
    capabilities: tuple[Capability, ...]
    factory: str
    options: type[ModelOptions] | str = ModelOptions
    description: str = ""
    default_checkpoint: str | None = None

    def __post_init__(self) -> None:
        check_name(self.family, "model family")
        caps = tuple(_capability(c) for c in _as_tuple(self.capabilities))
        if not caps:
            raise ConfigError(f"model family {self.family!r} declares no capabilities")
        object.__setattr__(self, "capabilities", caps)
        check_ref(self.factory, f"model family {self.family!r} factory")

    def options_class(self) -> type[ModelOptions]:
        """The family's options class (imported if named by string)."""
        cls = import_ref(self.options) if isinstance(self.options, str) else self.options
        if not (isinstance(cls, type) and issubclass(cls, ModelOptions)):
            raise ConfigError(f"model family {self.family!r}: options must subclass docai.plugins.ModelOptions")
        return cls


@dataclass(frozen=True)
class EngineSpec:
    """A page engine for ``docai convert --engine NAME``.

    ``factory`` (``"module:attr"``) is called with the conversion's :class:`docai.options.ConvertOptions`
    and returns a :class:`docai.engines.base.Engine`. ``options`` is the engine's own options class: its
    fields become ``--NAME-FIELD`` flags, HTTP form fields and client arguments. ``requires`` names the
    option without which the engine cannot run (``"model"`` for Nougat), so forcing it without one is
    refused when the options are built. ``queue`` says where its pages run on the queue.
    """

    name: str
    factory: str
    options: type[BaseModel] | str | None = None
    queue: Literal["cpu", "gpu"] = "gpu"
    requires: str | None = None
    description: str = ""

    def __post_init__(self) -> None:
        check_name(self.name, "engine")
        check_ref(self.factory, f"engine {self.name!r} factory")

    def options_class(self) -> type[BaseModel] | None:
        """The engine's options class (imported if named by string), or None."""
        if self.options is None or isinstance(self.options, type):
            return self.options
        return import_ref(self.options)


def check_name(name: str, what: str) -> None:
    """A ConfigError unless ``name`` is usable in model ids, flags and URLs."""
    if not isinstance(name, str) or not NAME.match(name):
        raise ConfigError(f"{what} name {name!r} must be lower-case letters, digits, '-' or '_' (at most 40)")


def check_ref(ref: str, what: str) -> None:
    """A ConfigError unless ``ref`` looks like ``"package.module:attr"``."""
    if not isinstance(ref, str) or ref.count(":") != 1 or not all(ref.split(":")):
        raise ConfigError(f"{what} must be a 'module:attr' string, not {ref!r}")


def import_ref(ref: str) -> Any:
    """Import ``"package.module:attr.sub"``; a missing module or attribute is one ModelError line."""
    check_ref(ref, "reference")
    module_name, attr = ref.split(":")
    try:
        target: Any = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        from docai.errors import dependency_error

        missing = dependency_error(exc)
        if missing is not None and exc.name and not module_name.startswith(exc.name):
            raise missing from None
        raise ModelError(f"cannot import {module_name!r} (for {ref}): {exc}") from None
    for part in attr.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise ModelError(f"{module_name!r} has no {attr!r} (for {ref})") from None
    return target


def parse_model_id(model_id: str) -> tuple[str, str | None]:
    """``"blip:./tiny-blip"`` → ``("blip", "./tiny-blip")``; ``"blip"`` → ``("blip", None)``."""
    if not isinstance(model_id, str) or not model_id.strip():
        raise ConfigError("no model given: use FAMILY:CHECKPOINT, e.g. blip:./tiny-blip")
    family, sep, checkpoint = model_id.strip().partition(":")
    if not NAME.match(family):
        raise ConfigError(f"model id {model_id!r} must be FAMILY:CHECKPOINT, e.g. blip:./tiny-blip")
    checkpoint = checkpoint.strip()
    if sep and not checkpoint:
        raise ConfigError(f"model id {model_id!r} names no checkpoint after the ':'")
    return family, checkpoint or None


def _capability(value: Capability | str) -> Capability:
    try:
        return Capability(value)
    except ValueError:
        known = ", ".join(c.value for c in Capability)
        raise ConfigError(f"unknown capability {value!r}: choose from {known}") from None


def _as_tuple(values: Iterable[Any] | str) -> tuple[Any, ...]:
    return (values,) if isinstance(values, str) else tuple(values)
