"""The base of every plugin model: what each family would otherwise repeat.

:class:`PluginModel` holds the checkpoint and the typed options, chooses device and dtype (through
:mod:`docai.models.device`), prepares images (RGB, pixel limit), cuts work into batches of
``options.batch_size`` (default :attr:`PluginModel.default_batch_size`), keeps the call's time budget and
turns whatever a model raises into one :class:`docai.errors.ModelError` line. The capability classes in
:mod:`docai.plugins.capabilities` build on it; a family subclasses the ones it provides.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pydantic import BaseModel

from docai.errors import ConfigError, DocaiError, ModelError, PageTimeoutError
from docai.fields import validate_options
from docai.plugins.images import ImageLike, prepare_images
from docai.plugins.specs import ModelOptions
from schemas.plugins import CAPABILITY_TYPES, Capability, ModelRecord

if TYPE_CHECKING:
    import torch
    from PIL import Image

T = TypeVar("T")
R = TypeVar("R")


class PluginModel:
    """A loaded model of one family and checkpoint. Subclass the capability classes, not this directly."""

    #: the family's options class (a :class:`ModelOptions` subclass)
    Options: ClassVar[type[ModelOptions]] = ModelOptions
    #: items per forward pass when the options do not say
    default_batch_size: ClassVar[int] = 8
    #: set by the platform: the family's record (plugin distribution and version), used in cache keys
    record: ModelRecord | None = None

    def __init__(self, checkpoint: str, options: ModelOptions | dict[str, Any] | None = None) -> None:
        self.checkpoint = checkpoint
        self.options = build_options(self.Options, options)

    @classmethod
    def capabilities(cls) -> list[Capability]:
        """The capabilities this class implements (from the capability classes it derives from)."""
        return [cap for cap in Capability if any(getattr(base, "capability", None) is cap for base in cls.__mro__)]

    @property
    def name(self) -> str:
        """``FAMILY:CHECKPOINT`` (the class name when no record is attached)."""
        family = self.record.family if self.record else type(self).__name__
        return f"{family}:{self.checkpoint}"

    @cached_property
    def device(self) -> torch.device:
        from docai.models.device import choose_device

        return choose_device(self.options.device)

    @cached_property
    def dtype(self) -> torch.dtype:
        from docai.models.device import choose_dtype

        return choose_dtype(self.device, self.options.dtype)

    def decoding_dtype(self) -> str | None:
        """The dtype to load a family that decodes whole batches in: the options' dtype, else bf16 on a CPU
        where bf16 pays at batch size (:func:`docai.models.device.batched_decoding_dtype`), else None (the
        loader's default)."""
        from docai.models.device import batched_decoding_dtype

        return self.options.dtype or batched_decoding_dtype(self.options.device)

    @property
    def batch_size(self) -> int:
        return self.options.batch_size or self.default_batch_size

    def decoding_batch_size(self, device: torch.device, dtype: torch.dtype) -> int:
        """Items per batch for a family that decodes whole batches on ``device`` in ``dtype``: the options'
        batch size, else where the CPU probe stops gaining per row (on an accelerator the loop's maximum;
        :func:`docai.models.device.decode_batch_size`)."""
        from docai.models.device import decode_batch_size

        return self.options.batch_size or decode_batch_size(device, dtype)

    def run(self, capability: Capability | str, images: Sequence[ImageLike], request: BaseModel | dict | None = None
            ) -> list[BaseModel]:
        """Call ``capability`` with a request given as its model or as a dict (the queue and HTTP path)."""
        cap = Capability(capability)
        if cap not in self.capabilities():
            have = ", ".join(c.value for c in self.capabilities())
            raise ModelError(f"{self.name} cannot {cap.value} (it can: {have})")
        return getattr(self, cap.value)(images, build_request(cap, request))

    def prepare(self, images: Sequence[ImageLike]) -> list[Image.Image]:
        """The images as RGB PIL images, each within ``options.max_image_pixels``."""
        return prepare_images(list(images), self.options.max_image_pixels)

    def batched(self, what: str, items: Sequence[T], run_batch: Callable[[list[T]], list[R]]) -> list[R]:
        """``run_batch`` over ``items`` in batches, within the time budget, one result per item."""
        results: list[R] = []
        deadline = time.monotonic() + self.options.timeout_s if self.options.timeout_s else None
        for start in range(0, len(items), self.batch_size):
            if deadline is not None and time.monotonic() > deadline:
                raise PageTimeoutError(f"{self.name}: {what} ran over its time budget of {self.options.timeout_s:g} s "
                                       f"({start} of {len(items)} items done)")
            chunk = list(items[start:start + self.batch_size])
            with self.errors(what):
                out = list(run_batch(chunk))
            if len(out) != len(chunk):
                raise ModelError(f"{self.name}: {what} returned {len(out)} results for {len(chunk)} items")
            results.extend(out)
        return results

    @contextmanager
    def errors(self, what: str) -> Iterator[None]:
        """Context: a docai error passes through; anything else becomes one ModelError line."""
        try:
            yield
        except DocaiError:
            raise
        except MemoryError:
            raise ModelError(f"{self.name}: out of memory during {what}: use a smaller --batch-size") from None
        except Exception as exc:  # noqa: BLE001 - model code raises anything; the user gets one line
            if "out of memory" in str(exc).lower():
                raise ModelError(f"{self.name}: out of memory during {what}: use a smaller --batch-size") from None
            raise ModelError(f"{self.name}: {what} failed: {_first_line(exc)}") from None

    def cache_key(self, capability: Capability | str, request: BaseModel, item: str) -> str:
        """A key for one item's answer: plugin and version, family, checkpoint, options, request, item hash."""
        record = self.record
        parts = {
            "plugin": record.plugin if record else None, "version": record.plugin_version if record else None,
            "family": record.family if record else type(self).__name__, "checkpoint": self.checkpoint,
            "weights": self.weights_stamp, "options": self.options.cache_options(), "capability": Capability(capability).value,
            "request": request.model_dump(mode="json"), "item": item,
        }
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()

    @cached_property
    def weights_stamp(self) -> str:
        """Size and mtime of the checkpoint's weights files when it is a local directory (else ""), part of
        every cache key, so a checkpoint replaced in place stops serving answers of the old weights."""
        from pathlib import Path

        from docai.models import weights_stamp

        directory = Path(self.checkpoint).expanduser()
        return weights_stamp(directory) if directory.is_dir() else ""

    def memory_bytes(self) -> int:
        """Bytes of model weights this instance holds (torch modules among its attributes)."""
        total = 0
        for value in vars(self).values():
            value = getattr(value, "model", value) if type(value).__name__ == "LoadedModel" else value
            parameters = getattr(value, "parameters", None)
            if callable(parameters) and hasattr(value, "buffers"):
                try:
                    total += sum(t.numel() * t.element_size() for t in (*value.parameters(), *value.buffers()))
                except (TypeError, AttributeError):
                    continue
        return total

    def close(self) -> None:
        """Drop the weights (the lifecycle calls this when it unloads the model): torch modules and
        :class:`~docai.models.LoadedModel` s among the attributes, the latter also from the loader's cache."""
        from docai.models.loader import LoadedModel, release_model

        for key, value in list(vars(self).items()):
            if isinstance(value, LoadedModel):
                release_model(value)
                setattr(self, key, None)
            elif hasattr(value, "parameters"):
                setattr(self, key, None)


def build_options(cls: type[ModelOptions], options: ModelOptions | dict[str, Any] | None) -> ModelOptions:
    """``options`` validated as ``cls``; a bad field is one ConfigError line naming it."""
    if isinstance(options, cls):
        return options
    if isinstance(options, BaseModel):
        options = options.model_dump(exclude_unset=True)
    return validate_options(cls, options, "options.")


def build_request(capability: Capability, request: BaseModel | dict | None) -> BaseModel:
    """``request`` as ``capability``'s request model (a dict is validated; None is the default request)."""
    cls = CAPABILITY_TYPES[capability][0]
    if isinstance(request, cls):
        return request
    if isinstance(request, BaseModel):
        raise ConfigError(f"a {capability.value} request must be a {cls.__name__}, not {type(request).__name__}")
    return validate_options(cls, request, "request.")


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
